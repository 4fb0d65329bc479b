#include "dm_event_watch.hpp"

#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstddef>

#include "error.hpp"

namespace dmremap {

namespace {

// The ioctl version that added DM_DEV_ARM_POLL and the event counters in
// the device list.
constexpr std::uint32_t arm_poll_minor = 37;

dm_ioctl header()
{
    dm_ioctl io{};
    io.version[0] = DM_VERSION_MAJOR;
    io.version[1] = DM_VERSION_MINOR;
    io.version[2] = DM_VERSION_PATCHLEVEL;
    io.data_size = sizeof(io);
    io.data_start = sizeof(io);
    return io;
}

}  // namespace

DmEventWatch::DmEventWatch(const std::string& control_path) : path_(control_path)
{
    fd_.reset(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_) {
        const int error = errno;
        throw OperationError("open", path_, errno_text(error), error);
    }
    dm_ioctl io = header();
    if (::ioctl(fd_.get(), DM_VERSION, &io) != 0) {
        const int error = errno;
        throw OperationError("read the device-mapper version from", path_, errno_text(error), error);
    }
    if (io.version[0] != DM_VERSION_MAJOR || io.version[1] < arm_poll_minor) {
        throw OperationError("watch events on", path_,
                             "the kernel's device-mapper interface is version " +
                                 std::to_string(io.version[0]) + "." +
                                 std::to_string(io.version[1]) +
                                 "; event polling needs 4.37 (Linux 4.13) or later");
    }
}

void DmEventWatch::arm()
{
    dm_ioctl io = header();
    if (::ioctl(fd_.get(), DM_DEV_ARM_POLL, &io) != 0) {
        const int error = errno;
        throw OperationError("arm event polling on", path_, errno_text(error), error);
    }
}

bool DmEventWatch::wait(std::chrono::milliseconds timeout)
{
    pollfd entry{fd_.get(), POLLIN, 0};
    const auto ms = timeout.count() < 0 ? 0 : timeout.count();
    const int ready = ::poll(&entry, 1, ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms));
    return ready > 0 && (entry.revents & POLLIN) != 0;
}

}  // namespace dmremap
