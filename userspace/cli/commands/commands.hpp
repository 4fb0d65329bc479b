#pragma once

#include <CLI/CLI.hpp>

#include "arguments.hpp"
#include "io.hpp"

// Each command registers its subcommand, binding the options to its
// arguments, and runs from those arguments. A run returns an exit status or
// throws (OperationError, ParseError...) when the operation failed as a whole.
namespace dmremap::cli {

CLI::App* add_create_command(CLI::App& app, CreateArgs& args);
int run_create(const CreateArgs& args, const Io& io);

CLI::App* add_remove_command(CLI::App& app, RemoveArgs& args);
int run_remove(const RemoveArgs& args, const Io& io);

CLI::App* add_list_command(CLI::App& app, ListArgs& args);
int run_list(const ListArgs& args, const Io& io);

CLI::App* add_status_command(CLI::App& app, StatusArgs& args);
int run_status(const StatusArgs& args, const Io& io);

CLI::App* add_events_command(CLI::App& app, EventsArgs& args);
int run_events(const EventsArgs& args, const Io& io);

CLI::App* add_remaps_command(CLI::App& app, RemapsArgs& args);
int run_remaps(const RemapsArgs& args, const Io& io);

CLI::App* add_remap_command(CLI::App& app, BlocksArgs& args);
int run_remap(const BlocksArgs& args, const Io& io);

CLI::App* add_unremap_command(CLI::App& app, BlocksArgs& args);
int run_unremap(const BlocksArgs& args, const Io& io);

CLI::App* add_health_command(CLI::App& app, HealthArgs& args);
int run_health(const HealthArgs& args, const Io& io);

CLI::App* add_scrub_command(CLI::App& app, ScrubArgs& args);
int run_scrub(const ScrubArgs& args, const Io& io);

CLI::App* add_import_badblocks_command(CLI::App& app, ImportBadblocksArgs& args);
int run_import_badblocks(const ImportBadblocksArgs& args, const Io& io);

CLI::App* add_lost_files_command(CLI::App& app, LostFilesArgs& args);
int run_lost_files(const LostFilesArgs& args, const Io& io);

// `dmremap metadata check|dump|restore|repair`: offline tools for the
// metadata on a spare device or image.
struct MetadataCommands {
    CLI::App* group = nullptr;
    CLI::App* check = nullptr;
    CLI::App* dump = nullptr;
    CLI::App* restore = nullptr;
    CLI::App* repair = nullptr;
};
MetadataCommands add_metadata_commands(CLI::App& app, MetadataArgs& args);

CLI::App* add_metadata_check_command(CLI::App& metadata, MetadataCheckArgs& args);
int run_metadata_check(const MetadataCheckArgs& args, const Io& io);

CLI::App* add_metadata_dump_command(CLI::App& metadata, MetadataDumpArgs& args);
int run_metadata_dump(const MetadataDumpArgs& args, const Io& io);

CLI::App* add_metadata_restore_command(CLI::App& metadata, MetadataRestoreArgs& args);
int run_metadata_restore(const MetadataRestoreArgs& args, const Io& io);

CLI::App* add_metadata_repair_command(CLI::App& metadata, MetadataRepairArgs& args);
int run_metadata_repair(const MetadataRepairArgs& args, const Io& io);

}  // namespace dmremap::cli
