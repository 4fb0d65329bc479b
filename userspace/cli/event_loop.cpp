#include "event_loop.hpp"

#include <poll.h>
#include <signal.h>

#include <cerrno>

#include "dm_error.hpp"
#include "error.hpp"
#include "remap_device.hpp"

namespace dmremap::cli {

namespace {

// libdevmapper creates /dev/mapper/control when it is missing (no udev):
// talk to device-mapper through it first, then open the node for events.
DmControl& with_control_node(DmControl& dm)
{
    dm.list_devices();
    return dm;
}

}  // namespace

EventLoop::EventLoop(DmControl& dm)
    : signals_({SIGINT, SIGTERM}, {SIGPIPE}), watcher_(with_control_node(dm))
{
    // Armed before the first scan: an event between the two is not lost.
    watcher_.events().arm();
    watcher_.rescan();
}

EventLoop::End EventLoop::run(const std::function<bool(const std::vector<DeviceChange>&)>& on_changes)
{
    for (;;) {
        pollfd fds[2] = {{signals_.fd(), POLLIN, 0}, {watcher_.events().fd(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            const int error = errno;
            throw OperationError("wait for", "device-mapper events", errno_text(error), error);
        }
        if (fds[0].revents & POLLIN) {
            for (int signal = signals_.take(); signal != 0; signal = signals_.take()) {
                if (signal == SIGINT || signal == SIGTERM)
                    return End::signal;
            }
        }
        if ((fds[1].revents & POLLIN) == 0)
            continue;
        watcher_.events().arm();
        const std::vector<DeviceChange> changes = watcher_.rescan();
        if (!changes.empty() && !on_changes(changes))
            return End::stopped;
    }
}

std::optional<TargetStatus> read_watched_status(DmControl& dm, const DeviceEntry& device)
{
    try {
        RemapDevice remap(dm, device.name);
        if (remap.info().major != device.major || remap.info().minor != device.minor)
            return std::nullopt;
        return remap.status();
    } catch (const DmError& error) {
        if (error.error_code() == ENXIO)
            return std::nullopt;
        throw;
    }
}

}  // namespace dmremap::cli
