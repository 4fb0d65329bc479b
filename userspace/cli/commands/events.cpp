#include <chrono>
#include <optional>

#include "commands.hpp"
#include "dm_control.hpp"
#include "event_feed.hpp"
#include "event_loop.hpp"
#include "event_render.hpp"
#include "validators.hpp"

namespace dmremap::cli {

CLI::App* add_events_command(CLI::App& app, EventsArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "events", "Print a line for each device-mapper event of the dm-remap devices (created, "
                  "removed, renamed, reloaded, event), until SIGINT or SIGTERM");
    command->add_option("name", args.name,
                        "Only this device (also before it exists, and after a rename)");
    command->add_flag("--json", args.json, "One JSON document per line");
    command->add_option("--count", args.count, "Stop after this many lines")
        ->check(positive_count());
    return command;
}

int run_events(const EventsArgs& args, const Io& io)
{
    DmControl dm;
    EventLoop loop(dm);
    // A device whose status cannot be read still gets its line, with the
    // reason on stderr.
    const auto read_status = [&dm, &io](const WatchedDevice& device) -> std::optional<TargetStatus> {
        try {
            return read_watched_status(dm, device.entry);
        } catch (const std::exception& error) {
            io.err << "dmremap: status of " << device.entry.name << ": " << error.what() << '\n';
            return std::nullopt;
        }
    };
    EventFeed feed(args.name.empty() ? std::nullopt : std::optional<std::string>(args.name),
                   read_status);
    feed.start(loop.devices());
    // Scripts that start this in the background wait for this line.
    io.err << "dmremap: watching "
           << (args.name.empty() ? std::string("every dm-remap device") : "'" + args.name + "'")
           << '\n'
           << std::flush;

    std::uint64_t lines = 0;
    loop.run([&](const std::vector<DeviceChange>& changes) {
        for (const EventRecord& record : feed.records(changes, std::chrono::system_clock::now())) {
            if (args.json)
                io.out << event_json(record).dump() << '\n';
            else
                io.out << event_text(record) << '\n';
            io.out.flush();
            if (!io.out || (args.count && ++lines >= args.count))
                return false;
        }
        return true;
    });
    return io.out ? exit_success : exit_failure;
}

}  // namespace dmremap::cli
