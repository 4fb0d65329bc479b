#include "commands.hpp"
#include "dm_control.hpp"
#include "lost_files_render.hpp"
#include "lost_sectors.hpp"
#include "remap_device.hpp"

namespace dmremap::cli {

CLI::App* add_lost_files_command(CLI::App& app, LostFilesArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "lost-files", "Show the files (ext2/3/4, XFS) that own lost sectors, to restore from backup");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_lost_files(const LostFilesArgs& args, const Io& io)
{
    DmControl dm;
    RemapDevice device(dm, args.name);
    const std::filesystem::path node = std::filesystem::path("/dev/mapper") / args.name;
    const std::uint64_t block_sectors = device.table().options.block_size / 512;

    LostFilesReport report;
    std::vector<std::uint64_t> all;
    device.for_each_remap([&](const RemapEntry& entry) {
        if (entry.flags.find('L') == std::string::npos)
            return;
        LostBlock block{entry.block, entry.spare_block, remap_flag_names(entry.flags),
                        probe_lost_sectors(node, entry.block * block_sectors, block_sectors)};
        all.insert(all.end(), block.sectors.begin(), block.sectors.end());
        report.blocks.push_back(std::move(block));
    });
    if (all.empty())
        io.err << "dmremap: lost-files " << args.name << ": no sector is lost\n";
    else
        report.owners = find_lost_owners(node, probe_filesystem(node), all);
    if (args.json)
        write_json(io.out, lost_files_json(DeviceId{args.name, device.info().kernel_name()}, report));
    else
        write_lost_files_text(io.out, report);
    return exit_success;
}

}  // namespace dmremap::cli
