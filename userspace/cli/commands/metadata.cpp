#include "commands.hpp"

namespace dmremap::cli {

MetadataCommands add_metadata_commands(CLI::App& app, MetadataArgs& args)
{
    MetadataCommands commands;
    commands.group = app.add_subcommand(
        "metadata", "Offline tools for the metadata on a spare device or image (no target may "
                    "use the spare meanwhile)");
    commands.group->require_subcommand(1);
    commands.check = add_metadata_check_command(*commands.group, args.check);
    commands.dump = add_metadata_dump_command(*commands.group, args.dump);
    commands.restore = add_metadata_restore_command(*commands.group, args.restore);
    commands.repair = add_metadata_repair_command(*commands.group, args.repair);
    return commands;
}

}  // namespace dmremap::cli
