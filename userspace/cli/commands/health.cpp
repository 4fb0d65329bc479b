#include "commands.hpp"
#include "dm_control.hpp"
#include "health_render.hpp"
#include "remap_device.hpp"

namespace dmremap::cli {

CLI::App* add_health_command(CLI::App& app, HealthArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "health", "Show the health score and state of a device, and the reasons behind them");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_health(const HealthArgs& args, const Io& io)
{
    DmControl dm;
    RemapDevice device(dm, args.name);
    const DeviceId id{args.name, device.info().kernel_name()};
    const HealthFigures health = health_figures(device.health());
    if (args.json)
        write_json(io.out, health_json(id, health));
    else
        write_health_text(io.out, health);
    return exit_success;
}

}  // namespace dmremap::cli
