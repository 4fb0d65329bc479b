#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "dm_control.hpp"
#include "remap_watcher.hpp"
#include "signal_fd.hpp"
#include "status.hpp"

namespace dmremap::cli {

// The wait of `status --watch` and `events`: the library's RemapWatcher
// (its own /dev/mapper/control armed with DM_DEV_ARM_POLL, then a rescan
// comparing event counters and tables) and SIGINT / SIGTERM through a
// signalfd, in one poll(): nothing is polled on a timer.
class EventLoop {
public:
    // Blocks SIGINT and SIGTERM (taken by run()) and SIGPIPE (a write to a
    // closed pipe fails with EPIPE, which the commands report), opens the
    // event watch, arms it and reads the dm-remap devices there are now.
    // Throws OperationError (no event support) or DmError.
    explicit EventLoop(DmControl& dm);

    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // The dm-remap devices as of the last scan.
    const std::vector<WatchedDevice>& devices() const noexcept { return watcher_.devices(); }

    enum class End {
        signal,   // SIGINT or SIGTERM arrived
        stopped,  // on_changes returned false
    };
    // Waits for events; after each, re-arms, rescans and hands what changed
    // (never empty) to on_changes, which returns false to stop.
    End run(const std::function<bool(const std::vector<DeviceChange>&)>& on_changes);

private:
    SignalFd signals_;
    RemapWatcher watcher_;
};

// The status of a watched device, read now; nullopt when the device is gone
// or its name is now another device's (the next rescan tells what
// happened). Other failures throw.
std::optional<TargetStatus> read_watched_status(DmControl& dm, const DeviceEntry& device);

}  // namespace dmremap::cli
