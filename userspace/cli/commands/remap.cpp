#include <functional>

#include "block_results.hpp"
#include "commands.hpp"
#include "dm_control.hpp"
#include "remap_device.hpp"
#include "validators.hpp"

// remap and unremap: one message per block, so that a block that fails does
// not stop the others (the kernel's multi-block messages are all or none).
namespace dmremap::cli {

namespace {

// Does one block, returning its spare block (the new one for remap, the
// one it had for unremap); throws when the block fails.
using BlockOperation = std::function<std::optional<std::uint64_t>(RemapDevice&, std::uint64_t)>;

CLI::App* add_blocks_command(CLI::App& app, BlocksArgs& args, const std::string& name,
                             const std::string& description)
{
    CLI::App* command = app.add_subcommand(name, description);
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_option("block", args.blocks, "Block numbers, from the start of the device")
        ->required()
        ->check(block_number());
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_per_block(const BlocksArgs& args, const Io& io, const BlockOperation& operation,
                  bool text_with_spare)
{
    DmControl dm;
    RemapDevice device(dm, args.name);
    BlockResults results;
    for (std::uint64_t block : args.blocks) {
        try {
            results.done.push_back(BlockResult{block, operation(device, block)});
        } catch (const std::exception& error) {
            io.err << "dmremap: block " << block << ": " << error.what() << '\n';
            results.failed.push_back(BlockFailure{block, error.what()});
        }
    }
    if (args.json)
        write_json(io.out, block_results_json(DeviceId{args.name, device.info().kernel_name()}, results));
    else
        write_block_results_text(io.out, results, text_with_spare);
    return results.failed.empty() ? exit_success : exit_failure;
}

// The spare block a block is on now, if it is remapped.
std::optional<std::uint64_t> spare_block_of(RemapDevice& device, std::uint64_t block)
{
    const std::vector<RemapEntry> entries = device.list(block, 1);
    if (entries.empty() || entries.front().block != block)
        return std::nullopt;
    return entries.front().spare_block;
}

}  // namespace

CLI::App* add_remap_command(CLI::App& app, BlocksArgs& args)
{
    return add_blocks_command(app, args, "remap",
                              "Move blocks to spare blocks; shows each block and its spare block");
}

int run_remap(const BlocksArgs& args, const Io& io)
{
    return run_per_block(
        args, io,
        [](RemapDevice& device, std::uint64_t block) -> std::optional<std::uint64_t> {
            return device.remap(block).spare_block;
        },
        true);
}

CLI::App* add_unremap_command(CLI::App& app, BlocksArgs& args)
{
    return add_blocks_command(app, args, "unremap",
                              "Copy blocks back to the main device and free their spare blocks");
}

int run_unremap(const BlocksArgs& args, const Io& io)
{
    // A block the main device cannot take keeps its remap and does not stop
    // the others.
    return run_per_block(
        args, io,
        [](RemapDevice& device, std::uint64_t block) {
            const std::optional<std::uint64_t> spare = spare_block_of(device, block);
            device.unremap(block);
            return spare;
        },
        false);
}

}  // namespace dmremap::cli
