#include <unistd.h>

#include "commands.hpp"
#include "dm_control.hpp"
#include "event_loop.hpp"
#include "remap_device.hpp"
#include "render.hpp"
#include "status_watch.hpp"
#include "validators.hpp"

namespace dmremap::cli {

namespace {

// Shows the status, then again after each device-mapper event of the
// device, until a signal, --count redraws, a failed write or its removal.
int watch_status(const StatusArgs& args, const Io& io)
{
    DmControl dm;
    // Armed before the status is first read: no event in between is lost.
    EventLoop loop(dm);
    RemapDevice device(dm, args.name);
    const std::uint32_t major = device.info().major;
    const std::uint32_t minor = device.info().minor;
    const std::string kernel_name = device.info().kernel_name();
    StatusScreen screen(io.out, args.json, ::isatty(STDOUT_FILENO) == 1);
    screen.show(DeviceId{args.name, kernel_name}, device.status());
    if (!io.out)
        return exit_failure;

    std::string name = args.name;
    bool gone = false;
    std::uint64_t redraws = 0;
    loop.run([&](const std::vector<DeviceChange>& changes) {
        const WatchStep step = watch_step(changes, major, minor, name);
        if (step.action == WatchStep::Action::gone) {
            gone = true;
            return false;
        }
        if (step.action == WatchStep::Action::none)
            return true;
        name = step.name;
        const auto status = read_watched_status(dm, DeviceEntry{name, major, minor});
        if (!status)
            return true;  // removed or renamed meanwhile: the next rescan says which
        screen.show(DeviceId{name, kernel_name}, *status);
        return io.out && !(args.count && ++redraws >= args.count);
    });
    if (gone) {
        io.err << "dmremap: " << name << " (" << kernel_name
               << ") went away: removed, or its table no longer has a remap target\n";
        return exit_device_gone;
    }
    return io.out ? exit_success : exit_failure;
}

}  // namespace

CLI::App* add_status_command(CLI::App& app, StatusArgs& args)
{
    CLI::App* command = app.add_subcommand("status", "Show every status field of a device");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_flag("--json", args.json, "Print one JSON document (with --watch: one per line)");
    CLI::Option* watch = command->add_flag(
        "--watch", args.watch,
        "Show the status again at each device-mapper event of the device (a state change the "
        "kernel reports, a reload, a rename) until SIGINT or SIGTERM");
    command->add_option("--count", args.count, "With --watch: stop after this many redraws")
        ->check(positive_count())
        ->needs(watch);
    return command;
}

int run_status(const StatusArgs& args, const Io& io)
{
    if (args.watch)
        return watch_status(args, io);
    DmControl dm;
    RemapDevice device(dm, args.name);
    const DeviceId id{args.name, device.info().kernel_name()};
    const TargetStatus status = device.status();
    if (args.json)
        write_json(io.out, status_json(id, status));
    else
        write_status_text(io.out, id, status);
    return exit_success;
}

}  // namespace dmremap::cli
