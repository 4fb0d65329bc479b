#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dm_control.hpp"
#include "dm_event_watch.hpp"

namespace dmremap {

// A device whose live table has a remap (or dm-remap-v4) target, as last
// seen by a RemapWatcher.
struct WatchedDevice {
    DeviceEntry entry;           // name and device number
    std::uint32_t event_nr = 0;  // the device's event counter
    Target target;               // the first remap target of its live table

    bool operator==(const WatchedDevice&) const = default;
};

// What a rescan found different from the scan before it.
struct DeviceChange {
    enum class Kind {
        appeared,  // a new remap device (also one that came back under an old name)
        vanished,  // removed, or its table no longer has a remap target
        renamed,   // same device number, new name (previous_name is the old one)
        reloaded,  // same device, another remap table line went live
        event,     // its event counter moved: the target raised an event
    };
    Kind kind = Kind::event;
    WatchedDevice device;  // as now; for vanished, as last seen
    std::string previous_name;

    bool operator==(const DeviceChange&) const = default;
};

std::string_view to_string(DeviceChange::Kind kind);

// A device's number (major, minor): what tells devices apart across
// renames and a remove-and-create under the same name.
using DevNumber = std::pair<std::uint32_t, std::uint32_t>;

inline DevNumber dev_number(const WatchedDevice& device)
{
    return {device.entry.major, device.entry.minor};
}

// Follows the set of dm-remap devices. Devices are told apart by their
// device number, so a device removed and created again under the same name
// is reported as vanished and appeared, and followed again.
//
//     RemapWatcher watcher(dm);
//     for (;;)
//         for (const DeviceChange& change : watcher.wait(std::chrono::seconds(60)))
//             ...;
class RemapWatcher {
public:
    // Opens the event watch (throws OperationError when device-mapper
    // events cannot be watched). Nothing is scanned yet: the first rescan()
    // or wait() reports every existing device as appeared.
    explicit RemapWatcher(DmControl& dm,
                          const std::string& control_path = "/dev/mapper/control");

    // Reads the device list and the tables now and returns what changed.
    // Throws DmError when the list cannot be read; a device that disappears
    // while being looked at is treated as gone.
    std::vector<DeviceChange> rescan();

    // Arms the event watch, rescans, and when that found nothing waits up
    // to timeout for an event and rescans again. Returns the changes (empty
    // after a timeout or a signal without an event).
    std::vector<DeviceChange> wait(std::chrono::milliseconds timeout);

    // The devices as of the last rescan, ordered by device number.
    const std::vector<WatchedDevice>& devices() const noexcept { return devices_; }

    // The control descriptor, for callers that poll it together with others;
    // after it turns readable, call rescan() (after arm()).
    DmEventWatch& events() noexcept { return events_; }

private:
    DmControl* dm_;
    DmEventWatch events_;
    std::vector<WatchedDevice> devices_;
};

// The changes between two scans (each ordered by device number). Exposed
// for tests.
std::vector<DeviceChange> compare_scans(const std::vector<WatchedDevice>& before,
                                        const std::vector<WatchedDevice>& after);

}  // namespace dmremap
