#include "lost_sectors.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "error.hpp"
#include "unique_fd.hpp"

namespace dmremap {

namespace {

constexpr std::uint64_t sector_bytes = 512;

struct FreeDeleter {
    void operator()(void* memory) const noexcept { std::free(memory); }
};

std::uint64_t logical_block_size(int fd)
{
    struct stat st {};
    int size = 0;
    if (::fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && ::ioctl(fd, BLKSSZGET, &size) == 0 && size > 0)
        return static_cast<std::uint64_t>(size);
    return sector_bytes;
}

}  // namespace

std::vector<std::uint64_t> probe_lost_sectors(const std::filesystem::path& device,
                                              std::uint64_t first_sector, std::uint64_t count)
{
    const UniqueFd fd(::open(device.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
    if (!fd)
        throw OperationError("read", device.string(), errno_text(errno), errno);
    const std::uint64_t unit = logical_block_size(fd.get());
    const std::uint64_t unit_sectors = unit / sector_bytes;
    const std::unique_ptr<void, FreeDeleter> buffer(std::aligned_alloc(unit, unit));
    if (!buffer)
        throw OperationError("read", device.string(), "out of memory");

    std::vector<std::uint64_t> lost;
    // From the unit that holds first_sector to the one that holds the last.
    const std::uint64_t start = first_sector / unit_sectors * unit_sectors;
    for (std::uint64_t sector = start; sector < first_sector + count; sector += unit_sectors) {
        const ssize_t n = ::pread(fd.get(), buffer.get(), unit, static_cast<off_t>(sector * sector_bytes));
        if (n == static_cast<ssize_t>(unit))
            continue;
        if (n < 0 && errno != EIO) {
            throw OperationError("read", device.string() + " sector " + std::to_string(sector),
                                 errno_text(errno), errno);
        }
        if (n >= 0) {
            throw OperationError("read", device.string() + " sector " + std::to_string(sector),
                                 "short read: the device ends there");
        }
        for (std::uint64_t s = sector; s < sector + unit_sectors; ++s) {
            if (s >= first_sector && s < first_sector + count)
                lost.push_back(s);
        }
    }
    return lost;
}

}  // namespace dmremap
