#include "commands.hpp"
#include "dm_control.hpp"
#include "remap_device.hpp"
#include "render.hpp"
#include "validators.hpp"

namespace dmremap::cli {

CLI::App* add_remap_command(CLI::App& app, BlocksArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "remap", "Move blocks to spare blocks; shows each block and its spare block");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_option("block", args.blocks, "Block numbers, from the start of the device")
        ->required()
        ->check(block_number());
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_remap(const BlocksArgs& args, const Io& io)
{
    DmControl dm;
    RemapDevice device(dm, args.name);
    std::vector<RemapReply> remapped;
    int status = exit_success;
    // Each block on its own: one that fails does not stop the others.
    for (std::uint64_t block : args.blocks) {
        try {
            remapped.push_back(device.remap(block));
        } catch (const std::exception& error) {
            io.err << "dmremap: block " << block << ": " << error.what() << '\n';
            status = exit_failure;
        }
    }
    const DeviceId id{args.name, device.info().kernel_name()};
    if (args.json)
        write_json(io.out, remap_results_json(id, remapped));
    else
        write_remap_results_text(io.out, remapped);
    return status;
}

}  // namespace dmremap::cli
