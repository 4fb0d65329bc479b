#include "commands.hpp"
#include "dm_control.hpp"
#include "remap_device.hpp"
#include "render.hpp"

namespace dmremap::cli {

CLI::App* add_status_command(CLI::App& app, StatusArgs& args)
{
    CLI::App* command = app.add_subcommand("status", "Show every status field of a device");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_status(const StatusArgs& args, const Io& io)
{
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
