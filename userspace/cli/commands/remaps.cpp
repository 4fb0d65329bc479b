#include "commands.hpp"
#include "dm_control.hpp"
#include "remap_device.hpp"
#include "render.hpp"

namespace dmremap::cli {

CLI::App* add_remaps_command(CLI::App& app, RemapsArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "remaps", "Show every remap of a device: block, spare_block, flags");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_remaps(const RemapsArgs& args, const Io& io)
{
    DmControl dm;
    RemapDevice device(dm, args.name);
    const auto writer =
        make_remap_list_writer(io.out, DeviceId{args.name, device.info().kernel_name()}, args.json);
    device.for_each_remap([&writer](const RemapEntry& entry) { writer->add(entry); });
    writer->finish();
    return exit_success;
}

}  // namespace dmremap::cli
