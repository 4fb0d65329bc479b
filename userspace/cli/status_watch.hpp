#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "remap_watcher.hpp"
#include "render.hpp"
#include "status.hpp"

// `dmremap status <name> --watch`: which events concern the device, and
// how each new status is shown. No device access here.
namespace dmremap::cli {

// What one rescan's changes mean for the watched device.
struct WatchStep {
    enum class Action {
        none,    // nothing about this device
        redraw,  // event, reload or rename: read and show the status again
        gone,    // removed, or its table no longer has a remap target
    };
    Action action = Action::none;
    std::string name;  // the device's name after the changes
};

// The device is told by its number, so that a rename is followed.
WatchStep watch_step(const std::vector<DeviceChange>& changes, std::uint32_t major,
                     std::uint32_t minor, const std::string& name);

// Writes each status: text as `status` prints it, after clearing the
// screen when out is a terminal, else after a blank line (none before the
// first), so that the output can be piped; JSON as one line per document
// (JSON Lines). Flushes after each.
class StatusScreen {
public:
    StatusScreen(std::ostream& out, bool json, bool terminal);

    void show(const DeviceId& id, const TargetStatus& status);

private:
    std::ostream* out_;
    bool json_;
    bool terminal_;
    bool first_ = true;
};

}  // namespace dmremap::cli
