#include "status_watch.hpp"

namespace dmremap::cli {

namespace {

// ANSI: cursor home, erase the whole screen.
constexpr const char* clear_screen = "\x1b[H\x1b[2J";

}  // namespace

WatchStep watch_step(const std::vector<DeviceChange>& changes, std::uint32_t major,
                     std::uint32_t minor, const std::string& name)
{
    WatchStep step{WatchStep::Action::none, name};
    for (const DeviceChange& change : changes) {
        const DeviceEntry& entry = change.device.entry;
        if (entry.major != major || entry.minor != minor)
            continue;
        if (change.kind == DeviceChange::Kind::vanished) {
            step.action = WatchStep::Action::gone;
            return step;
        }
        step.action = WatchStep::Action::redraw;
        step.name = entry.name;
    }
    return step;
}

StatusScreen::StatusScreen(std::ostream& out, bool json, bool terminal)
    : out_(&out), json_(json), terminal_(terminal)
{
}

void StatusScreen::show(const DeviceId& id, const TargetStatus& status)
{
    if (json_) {
        *out_ << status_json(id, status).dump() << '\n';
    } else {
        if (terminal_)
            *out_ << clear_screen;
        else if (!first_)
            *out_ << '\n';
        write_status_text(*out_, id, status);
    }
    first_ = false;
    out_->flush();
}

}  // namespace dmremap::cli
