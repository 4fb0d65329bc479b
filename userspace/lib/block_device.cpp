#include "block_device.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <limits>
#include <system_error>

#include "error.hpp"
#include "number_parse.hpp"

namespace dmremap {

namespace {

[[noreturn]] void fail(const char* operation, const std::filesystem::path& path, int error_code)
{
    throw OperationError(operation, path.string(), errno_text(error_code), error_code);
}

std::filesystem::path sysfs_dir(DeviceNumber number, const std::filesystem::path& sysfs)
{
    return sysfs / "dev" / "block" / number.to_string();
}

}  // namespace

std::optional<DeviceNumber> DeviceNumber::parse(std::string_view text)
{
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    try {
        const auto max = std::numeric_limits<unsigned>::max();
        return DeviceNumber{static_cast<unsigned>(parse_unsigned(text.substr(0, colon), "major", max)),
                            static_cast<unsigned>(parse_unsigned(text.substr(colon + 1), "minor", max))};
    } catch (const ParseError&) {
        return std::nullopt;
    }
}

BlockDevice::BlockDevice(std::filesystem::path path) : path_(std::move(path))
{
    fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_)
        fail("open", path_, errno);
    if (::fstat(fd_.get(), &stat_) != 0)
        fail("stat", path_, errno);
    if (!S_ISBLK(stat_.st_mode) && !S_ISREG(stat_.st_mode))
        throw OperationError("open", path_.string(), "neither a block device nor a regular file");
}

std::uint64_t BlockDevice::size_bytes() const
{
    if (!is_block_device())
        return static_cast<std::uint64_t>(stat_.st_size);
    std::uint64_t size = 0;
    if (::ioctl(fd_.get(), BLKGETSIZE64, &size) != 0)
        fail("read the size of", path_, errno);
    return size;
}

std::uint32_t BlockDevice::logical_block_size() const
{
    if (!is_block_device())
        return 512;
    int size = 0;
    if (::ioctl(fd_.get(), BLKSSZGET, &size) != 0)
        fail("read the logical block size of", path_, errno);
    return static_cast<std::uint32_t>(size);
}

DeviceNumber BlockDevice::number() const
{
    if (!is_block_device())
        throw OperationError("get the device number of", path_.string(), "not a block device");
    return DeviceNumber{::major(stat_.st_rdev), ::minor(stat_.st_rdev)};
}

DeviceUsage device_usage(const std::filesystem::path& path)
{
    DeviceUsage usage;
    const BlockDevice device(path);
    if (!device.is_block_device())
        return usage;
    const UniqueFd exclusive(::open(path.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC));
    if (!exclusive) {
        if (errno != EBUSY)
            fail("open exclusively", path, errno);
        usage.exclusively_open = true;
    }
    usage.holders = device_holders(device.number());
    return usage;
}

std::vector<std::string> device_holders(DeviceNumber number, const std::filesystem::path& sysfs)
{
    std::vector<std::string> holders;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(sysfs_dir(number, sysfs) / "holders", error))
        holders.push_back(entry.path().filename().string());
    std::sort(holders.begin(), holders.end());
    return holders;
}

DeviceNumber whole_disk(DeviceNumber number, const std::filesystem::path& sysfs)
{
    const std::filesystem::path dir = sysfs_dir(number, sysfs);
    std::error_code error;
    if (!std::filesystem::exists(dir / "partition", error))
        return number;
    // /sys/dev/block/8:17 -> ../../devices/.../block/sdb/sdb1, whose parent is the disk.
    const auto partition = std::filesystem::canonical(dir, error);
    if (error)
        return number;
    std::ifstream dev_file(partition.parent_path() / "dev");
    unsigned major = 0, minor = 0;
    char colon = 0;
    if (dev_file >> major >> colon >> minor && colon == ':')
        return DeviceNumber{major, minor};
    return number;
}

bool devices_overlap(DeviceNumber a, DeviceNumber b, const std::filesystem::path& sysfs)
{
    return a == b || whole_disk(a, sysfs) == b || whole_disk(b, sysfs) == a;
}

std::optional<std::string> kernel_device_name(DeviceNumber number, const std::filesystem::path& sysfs)
{
    std::error_code error;
    const auto target = std::filesystem::read_symlink(sysfs_dir(number, sysfs), error);
    if (error || target.filename().empty())
        return std::nullopt;
    return target.filename().string();
}

}  // namespace dmremap
