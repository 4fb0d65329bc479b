#include "remap_watcher.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>

#include "table_line.hpp"

namespace dmremap {

std::string_view to_string(DeviceChange::Kind kind)
{
    switch (kind) {
    case DeviceChange::Kind::appeared:
        return "appeared";
    case DeviceChange::Kind::vanished:
        return "vanished";
    case DeviceChange::Kind::renamed:
        return "renamed";
    case DeviceChange::Kind::reloaded:
        return "reloaded";
    case DeviceChange::Kind::event:
        return "event";
    }
    return "unknown";
}

std::vector<DeviceChange> compare_scans(const std::vector<WatchedDevice>& before,
                                        const std::vector<WatchedDevice>& after)
{
    std::map<DevNumber, const WatchedDevice*> old_by_number;
    for (const WatchedDevice& device : before)
        old_by_number.emplace(dev_number(device), &device);

    std::vector<DeviceChange> changes;
    for (const WatchedDevice& device : after) {
        const auto found = old_by_number.find(dev_number(device));
        if (found == old_by_number.end()) {
            changes.push_back({DeviceChange::Kind::appeared, device, {}});
            continue;
        }
        const WatchedDevice& old = *found->second;
        old_by_number.erase(found);
        if (old.entry.name != device.entry.name)
            changes.push_back({DeviceChange::Kind::renamed, device, old.entry.name});
        if (old.target != device.target)
            changes.push_back({DeviceChange::Kind::reloaded, device, {}});
        if (old.event_nr != device.event_nr)
            changes.push_back({DeviceChange::Kind::event, device, {}});
    }
    for (const auto& [number, device] : old_by_number)
        changes.push_back({DeviceChange::Kind::vanished, *device, {}});
    return changes;
}

RemapWatcher::RemapWatcher(DmControl& dm, const std::string& control_path)
    : dm_(&dm), events_(control_path)
{
}

std::vector<DeviceChange> RemapWatcher::rescan()
{
    std::vector<WatchedDevice> now;
    for (DeviceEventCount& listed : dm_->list_devices_with_event_nr()) {
        std::vector<Target> lines;
        try {
            lines = dm_->table(listed.device.name);
        } catch (const DmError& error) {
            // Removed (or renamed) since the list was read: the next
            // event's scan sees it under its new state.
            if (error.error_code() == ENXIO)
                continue;
            throw;
        }
        const auto remap = std::find_if(lines.begin(), lines.end(), [](const Target& line) {
            return is_remap_target_type(line.type);
        });
        if (remap != lines.end())
            now.push_back(WatchedDevice{std::move(listed.device), listed.event_nr, *remap});
    }
    std::sort(now.begin(), now.end(), [](const WatchedDevice& a, const WatchedDevice& b) {
        return dev_number(a) < dev_number(b);
    });
    std::vector<DeviceChange> changes = compare_scans(devices_, now);
    devices_ = std::move(now);
    return changes;
}

std::vector<DeviceChange> RemapWatcher::wait(std::chrono::milliseconds timeout)
{
    events_.arm();
    std::vector<DeviceChange> changes = rescan();
    if (!changes.empty())
        return changes;
    if (!events_.wait(timeout))
        return {};
    events_.arm();
    return rescan();
}

}  // namespace dmremap
