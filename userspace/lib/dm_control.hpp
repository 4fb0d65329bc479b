#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dm_error.hpp"

namespace dmremap {

// One line of a device-mapper table, or of its status.
struct Target {
    std::uint64_t start = 0;   // sectors
    std::uint64_t length = 0;  // sectors
    std::string type;
    std::string params;

    bool operator==(const Target&) const = default;
};

// A device as DM_DEVICE_LIST names it.
struct DeviceEntry {
    std::string name;
    std::uint32_t major = 0;
    std::uint32_t minor = 0;

    // The kernel's name of the device: "dm-<minor>".
    std::string kernel_name() const { return "dm-" + std::to_string(minor); }
    bool operator==(const DeviceEntry&) const = default;
};

// A device in the device list, with its event counter: the number of
// dm_table_event() calls of its targets since the device was created.
struct DeviceEventCount {
    DeviceEntry device;
    std::uint32_t event_nr = 0;

    bool operator==(const DeviceEventCount&) const = default;
};

// What DM_DEVICE_INFO reports about an existing device.
struct DeviceInfo {
    std::string name;
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
    std::int32_t open_count = 0;
    std::uint32_t event_nr = 0;
    std::int32_t target_count = 0;
    bool suspended = false;
    bool live_table = false;
    bool inactive_table = false;
    bool read_only = false;
    bool deferred_remove = false;

    std::string kernel_name() const { return "dm-" + std::to_string(minor); }
};

// Device-mapper control through libdevmapper, one ioctl per call. Every
// failure throws DmError with the operation, the device and the kernel's
// reason. Holds no state of its own: instances are interchangeable.
class DmControl {
public:
    // Turns udev synchronisation on: libdevmapper still falls back to
    // managing /dev/mapper itself when udev is not running or when the
    // environment has DM_DISABLE_UDEV=1.
    DmControl();

    // Creates the device and loads and activates table in one step; returns
    // once /dev/mapper/<name> is in place (as far as udev or libdevmapper do it).
    void create(const std::string& name, const std::vector<Target>& table);

    enum class RemoveMode {
        now,       // fails while the device is open (after retrying briefly)
        deferred,  // removed when its last opener closes it
    };
    void remove(const std::string& name, RemoveMode mode = RemoveMode::now);

    void suspend(const std::string& name);
    void resume(const std::string& name);
    // Loads table as the inactive table; resume() makes it live.
    void reload(const std::string& name, const std::vector<Target>& table);

    // One entry per target, params being the target's status text.
    std::vector<Target> status(const std::string& name);
    // One entry per target, params being the target's table text.
    std::vector<Target> table(const std::string& name);

    // Sends a target message to the target at sector and returns its reply
    // ("" when it gave none).
    std::string message(const std::string& name, std::uint64_t sector, const std::string& text);

    std::vector<DeviceEntry> list_devices();
    // The same list with each device's event counter, in one ioctl (the
    // kernel adds the counters from interface 4.37, Linux 4.13, on; older
    // kernels make it throw DmError).
    std::vector<DeviceEventCount> list_devices_with_event_nr();
    // The devices whose live table has a target whose type satisfies matches.
    // Devices that disappear while being looked at are left out.
    std::vector<DeviceEntry> list_devices_with_target(
        const std::function<bool(std::string_view type)>& matches);
    std::vector<DeviceEntry> list_devices_with_target(std::string_view type);

    // nullopt when there is no device of that name.
    std::optional<DeviceInfo> info(const std::string& name);

    // Blocks until the device's event counter moves past event_nr (returns at
    // once if it already has) and returns the device's info then. Events are
    // raised by targets (dm_table_event) and by table swaps.
    DeviceInfo wait_event(const std::string& name, std::uint32_t event_nr);
};

}  // namespace dmremap
