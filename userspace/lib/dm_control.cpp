#include "dm_control.hpp"

#include <libdevmapper.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "dm_task.hpp"

namespace dmremap {

namespace {

using KernelReasons = DmTask::KernelReasons;

void add_targets(DmTask& task, const std::vector<Target>& table)
{
    for (const Target& target : table) {
        task.require(dm_task_add_target(task.get(), target.start, target.length,
                                        target.type.c_str(), target.params.c_str()),
                     "adding a target to the table");
    }
}

std::vector<Target> targets_of(DmTask& task)
{
    std::vector<Target> targets;
    void* next = nullptr;
    do {
        std::uint64_t start = 0, length = 0;
        char* type = nullptr;
        char* params = nullptr;
        next = dm_get_next_target(task.get(), next, &start, &length, &type, &params);
        if (type != nullptr)
            targets.push_back(Target{start, length, type, params != nullptr ? params : ""});
    } while (next != nullptr);
    return targets;
}

std::optional<DeviceInfo> info_of(DmTask& task, const std::string& name)
{
    struct dm_info info {};
    task.require(dm_task_get_info(task.get(), &info), "reading the device info");
    if (!info.exists)
        return std::nullopt;
    DeviceInfo result;
    result.name = name;
    result.major = info.major;
    result.minor = info.minor;
    result.open_count = info.open_count;
    result.event_nr = info.event_nr;
    result.target_count = info.target_count;
    result.suspended = info.suspended != 0;
    result.live_table = info.live_table != 0;
    result.inactive_table = info.inactive_table != 0;
    result.read_only = info.read_only != 0;
    result.deferred_remove = info.deferred_remove != 0;
    return result;
}

std::vector<Target> targets(int type, const char* operation, const std::string& name)
{
    DmTask task(type, operation, name);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    task.require(dm_task_no_open_count(task.get()), "skipping the open count");
    task.run();
    return targets_of(task);
}

}  // namespace

DmControl::DmControl()
{
    // The udev checks this triggers may log (e.g. no SysV semaphores), and
    // libdevmapper then falls back to managing nodes itself: keep it quiet.
    const DmLogCapture quiet;
    dm_udev_set_sync_support(1);
}

void DmControl::create(const std::string& name, const std::vector<Target>& table)
{
    DmTask task(DM_DEVICE_CREATE, "create", name, KernelReasons::collect);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    add_targets(task, table);
    task.run_with_udev_sync();
}

void DmControl::remove(const std::string& name, RemoveMode mode)
{
    DmTask task(DM_DEVICE_REMOVE, "remove", name, KernelReasons::collect);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    // udev or blkid may hold the device open for a moment after a change.
    task.require(dm_task_retry_remove(task.get()), "enabling remove retries");
    if (mode == RemoveMode::deferred)
        task.require(dm_task_deferred_remove(task.get()), "requesting deferred removal");
    task.run_with_udev_sync();
}

void DmControl::suspend(const std::string& name)
{
    DmTask task(DM_DEVICE_SUSPEND, "suspend", name, KernelReasons::collect);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    task.run();
}

void DmControl::resume(const std::string& name)
{
    DmTask task(DM_DEVICE_RESUME, "resume", name, KernelReasons::collect);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    task.run_with_udev_sync();
}

void DmControl::reload(const std::string& name, const std::vector<Target>& table)
{
    DmTask task(DM_DEVICE_RELOAD, "reload", name, KernelReasons::collect);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    add_targets(task, table);
    task.run();
}

std::vector<Target> DmControl::status(const std::string& name)
{
    return targets(DM_DEVICE_STATUS, "status", name);
}

std::vector<Target> DmControl::table(const std::string& name)
{
    return targets(DM_DEVICE_TABLE, "table", name);
}

std::string DmControl::message(const std::string& name, std::uint64_t sector, const std::string& text)
{
    DmTask task(DM_DEVICE_TARGET_MSG, "message '" + text + "' to", name, KernelReasons::collect);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    task.require(dm_task_set_sector(task.get(), sector), "setting the message sector");
    task.require(dm_task_set_message(task.get(), text.c_str()), "setting the message");
    task.run();
    const char* reply = dm_task_get_message_response(task.get());
    return reply != nullptr ? reply : "";
}

namespace {

// The interface version from which DM_DEVICE_LIST puts each device's event
// counter after its name.
constexpr unsigned event_nr_minor = 37;

// Visits the entries of a DM_DEVICE_LIST reply, each with the event counter
// the kernel stored after the name, 8-byte aligned within the entry (which
// itself starts 8-byte aligned).
void walk_names(DmTask& task, const std::function<void(const dm_names&, std::uint32_t)>& visit)
{
    const struct dm_names* names = dm_task_get_names(task.get());
    // An empty list is one entry with dev 0.
    if (names == nullptr || names->dev == 0)
        return;
    for (;;) {
        const std::size_t name_end = offsetof(dm_names, name) + std::strlen(names->name) + 1;
        const std::size_t counter_at = (name_end + 7) & ~std::size_t{7};
        std::uint32_t event_nr = 0;
        std::memcpy(&event_nr, reinterpret_cast<const char*>(names) + counter_at, sizeof(event_nr));
        visit(*names, event_nr);
        if (names->next == 0)
            break;
        names = reinterpret_cast<const struct dm_names*>(reinterpret_cast<const char*>(names) +
                                                          names->next);
    }
}

}  // namespace

std::vector<DeviceEntry> DmControl::list_devices()
{
    DmTask task(DM_DEVICE_LIST, "list devices", "");
    task.run();
    std::vector<DeviceEntry> devices;
    walk_names(task, [&](const dm_names& entry, std::uint32_t) {
        devices.push_back(DeviceEntry{entry.name, ::major(entry.dev), ::minor(entry.dev)});
    });
    return devices;
}

std::vector<DeviceEventCount> DmControl::list_devices_with_event_nr()
{
    DmTask task(DM_DEVICE_LIST, "list devices", "");
    task.run();
    char version[64] = {};
    unsigned major_version = 0, minor_version = 0;
    if (!dm_task_get_driver_version(task.get(), version, sizeof(version)) ||
        std::sscanf(version, "%u.%u", &major_version, &minor_version) != 2 ||
        (major_version == 4 && minor_version < event_nr_minor)) {
        throw DmError("list devices with event counters", "", 0,
                      {std::string("the kernel's device-mapper interface is version ") + version +
                       "; event counters need 4.37 (Linux 4.13) or later"},
                      {});
    }
    std::vector<DeviceEventCount> devices;
    walk_names(task, [&](const dm_names& entry, std::uint32_t event_nr) {
        devices.push_back(DeviceEventCount{
            DeviceEntry{entry.name, ::major(entry.dev), ::minor(entry.dev)}, event_nr});
    });
    return devices;
}

std::vector<DeviceEntry> DmControl::list_devices_with_target(
    const std::function<bool(std::string_view type)>& matches)
{
    std::vector<DeviceEntry> found;
    for (DeviceEntry& device : list_devices()) {
        std::vector<Target> lines;
        try {
            lines = table(device.name);
        } catch (const DmError& error) {
            if (error.error_code() == ENXIO)
                continue;
            throw;
        }
        for (const Target& target : lines) {
            if (matches(target.type)) {
                found.push_back(std::move(device));
                break;
            }
        }
    }
    return found;
}

std::vector<DeviceEntry> DmControl::list_devices_with_target(std::string_view type)
{
    return list_devices_with_target([type](std::string_view t) { return t == type; });
}

std::optional<DeviceInfo> DmControl::info(const std::string& name)
{
    DmTask task(DM_DEVICE_INFO, "info", name);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    task.run();
    return info_of(task, name);
}

DeviceInfo DmControl::wait_event(const std::string& name, std::uint32_t event_nr)
{
    DmTask task(DM_DEVICE_WAITEVENT, "wait for an event on", name);
    task.require(dm_task_set_name(task.get(), name.c_str()), "setting the device name");
    task.require(dm_task_set_event_nr(task.get(), event_nr), "setting the event number");
    task.run();
    auto info = info_of(task, name);
    if (!info)
        task.fail(ENXIO);
    return *info;
}

}  // namespace dmremap
