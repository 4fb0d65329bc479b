#pragma once

#include <sys/stat.h>

#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "unique_fd.hpp"

namespace dmremap {

// A device number, written major:minor as device-mapper tables want it.
struct DeviceNumber {
    unsigned major = 0;
    unsigned minor = 0;

    std::string to_string() const { return std::to_string(major) + ":" + std::to_string(minor); }
    // Reads "major:minor"; nullopt for anything else.
    static std::optional<DeviceNumber> parse(std::string_view text);
    auto operator<=>(const DeviceNumber&) const = default;
};

// A block device (or a regular file standing in for one, e.g. an image),
// opened read-only. Failures throw OperationError naming the path.
class BlockDevice {
public:
    explicit BlockDevice(std::filesystem::path path);

    const std::filesystem::path& path() const noexcept { return path_; }
    bool is_block_device() const noexcept { return S_ISBLK(stat_.st_mode); }

    std::uint64_t size_bytes() const;
    std::uint64_t size_sectors() const { return size_bytes() / 512; }
    // The smallest unit the device can write; 512 for a regular file.
    std::uint32_t logical_block_size() const;
    // Throws when this is not a block device.
    DeviceNumber number() const;

private:
    std::filesystem::path path_;
    UniqueFd fd_;
    struct stat stat_ {};
};

// Who else has a block device.
struct DeviceUsage {
    // Someone holds it exclusively: a mounted file system, device-mapper,
    // md, swap... (opening it with O_EXCL fails with EBUSY).
    bool exclusively_open = false;
    // The kernel names (e.g. "dm-3") of the devices stacked on it.
    std::vector<std::string> holders;

    bool in_use() const noexcept { return exclusively_open || !holders.empty(); }
};

// Throws OperationError when path cannot be opened for a reason other than
// being in use. Not meaningful for regular files (always unused).
DeviceUsage device_usage(const std::filesystem::path& path);

// The names in /sys/dev/block/<major:minor>/holders/ (empty when it is absent).
std::vector<std::string> device_holders(DeviceNumber number,
                                        const std::filesystem::path& sysfs = "/sys");

// The whole disk a partition belongs to, or the device itself when it is
// not a partition (or sysfs does not say).
DeviceNumber whole_disk(DeviceNumber number, const std::filesystem::path& sysfs = "/sys");

// Whether two block devices share sectors: the same device, or a disk and
// one of its partitions. Two partitions of one disk do not.
bool devices_overlap(DeviceNumber a, DeviceNumber b, const std::filesystem::path& sysfs = "/sys");

// The kernel's name for a block device ("sdb", "dm-0"), from sysfs.
std::optional<std::string> kernel_device_name(DeviceNumber number,
                                              const std::filesystem::path& sysfs = "/sys");

}  // namespace dmremap
