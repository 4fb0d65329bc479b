#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "dm_control.hpp"
#include "remap_watcher.hpp"
#include "scrub.hpp"
#include "status.hpp"

namespace dmremap {

// Everything the monitoring reads about one dm-remap device at one moment.
struct RemapSample {
    WatchedDevice device;
    // The status was read and parsed, and describes a loaded table; when
    // false, error says why and the figures below are not meaningful.
    bool up = false;
    std::string error;
    // The device no longer exists (removed, or renamed, since it was
    // listed): not a device that cannot be read, one that is not there.
    bool gone = false;
    TargetStatus status;
    std::uint64_t nr_blocks = 0;  // blocks the target maps
    // The main and spare devices: kernel names (e.g. "sdb") when sysfs
    // knows the numbers, else major:minor as in the table.
    std::string main_device;
    std::string spare_device;
    // Absent when the kernel refused `scrub status` (an older module).
    std::optional<ScrubStatus> scrub;
    // From sysfs; absent while the device is suspended (no directory then).
    std::optional<std::uint64_t> metadata_commits;
};

// Where the reader finds sysfs (a test points it at a fake tree).
struct SysfsPaths {
    std::filesystem::path dev_block = "/sys/dev/block";
    std::filesystem::path dm_remap = "/sys/kernel/dm_remap";
};

// Reads the status, the scrub status and the sysfs counters of device.
// Never throws for a device that cannot be read: returns up == false with
// the reason.
RemapSample read_remap_sample(DmControl& dm, const WatchedDevice& device,
                              const SysfsPaths& sysfs = {});

// The kernel's name of the block device major:minor ("sdb", "loop0"), or
// the text itself when sysfs does not know it.
std::string block_device_name(const SysfsPaths& sysfs, const std::string& major_minor);

}  // namespace dmremap
