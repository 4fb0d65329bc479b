#include "commands.hpp"
#include "dm_control.hpp"
#include "remap_device.hpp"
#include "render.hpp"
#include "validators.hpp"

namespace dmremap::cli {

CLI::App* add_unremap_command(CLI::App& app, BlocksArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "unremap", "Copy blocks back to the main device and free their spare blocks");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_option("block", args.blocks, "Block numbers, from the start of the device")
        ->required()
        ->check(block_number());
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_unremap(const BlocksArgs& args, const Io& io)
{
    DmControl dm;
    RemapDevice device(dm, args.name);
    std::vector<std::uint64_t> unremapped;
    int status = exit_success;
    // Each block on its own: one the main device cannot take keeps its remap
    // and does not stop the others.
    for (std::uint64_t block : args.blocks) {
        try {
            device.unremap(block);
            unremapped.push_back(block);
        } catch (const std::exception& error) {
            io.err << "dmremap: block " << block << ": " << error.what() << '\n';
            status = exit_failure;
        }
    }
    const DeviceId id{args.name, device.info().kernel_name()};
    if (args.json)
        write_json(io.out, unremap_results_json(id, unremapped));
    else
        write_unremap_results_text(io.out, unremapped);
    return status;
}

}  // namespace dmremap::cli
