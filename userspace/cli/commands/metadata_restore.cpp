#include "metadata_restore.hpp"

#include <cerrno>
#include <ctime>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "error.hpp"
#include "metadata_backup.hpp"
#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_json.hpp"
#include "metadata_render.hpp"

namespace dmremap::cli {

namespace {

// Puts back the areas a repair saved with --backup.
void restore_areas(const MetadataRestoreArgs& args, std::istream& in, const Io& io)
{
    const metadata::Backup backup = metadata::parse_backup(in);
    metadata::SpareFile spare(args.spare, metadata::SpareFile::Mode::read_write);
    if (spare.size_bytes() != backup.device_bytes && !args.force) {
        throw OperationError("restore the backup to", args.spare,
                             "the backup was taken from a device of " +
                                 std::to_string(backup.device_bytes) + " bytes, this one has " +
                                 std::to_string(spare.size_bytes()) +
                                 " (--force writes it anyway)");
    }
    metadata::restore_backup(spare, backup);
    io.err << "dmremap: restored " << backup.areas.size() << " metadata areas to " << args.spare
           << " from the backup " << args.dump << '\n';
}

int restore_dump(const MetadataRestoreArgs& args, std::istream& in, const Io& io)
{
    // Everything about the dump is checked before the spare is opened for
    // writing.
    const metadata::Dump dump = metadata::parse_dump(in);
    metadata::SpareFile spare(args.spare, metadata::SpareFile::Mode::read_write);
    const metadata::RestoreResult result = metadata::restore_metadata(
        spare, dump, args.force, static_cast<std::uint64_t>(std::time(nullptr)));
    for (const std::string& warning : result.warnings)
        io.err << "dmremap: warning: " << warning << '\n';
    io.err << "dmremap: restored " << result.remaps << " remaps to " << args.spare << " (uuid "
           << metadata::uuid_to_string(dump.superblock.uuid) << ", seq " << result.seq << ")\n";

    const metadata::CheckReport after = metadata::check_metadata(spare);
    if (after.damaged()) {
        io.err << "dmremap: the restored metadata does not check clean:\n";
        write_check_report_text(io.err, after);
        return exit_failure;
    }
    return exit_success;
}

}  // namespace

CLI::App* add_metadata_restore_command(CLI::App& metadata, MetadataRestoreArgs& args)
{
    CLI::App* command = metadata.add_subcommand(
        "restore", "Write both metadata copies from a dump to a spare device or image, with a "
                   "new sequence number and the dump's layout; or put back what "
                   "`metadata repair --backup` saved");
    command->add_option("json", args.dump,
                        "The dump, as `dmremap metadata dump` wrote it, or a repair backup; - "
                        "reads stdin")
        ->required();
    command->add_option("spare", args.spare, "The spare block device or image file")->required();
    command->add_flag("--force", args.force,
                      "Overwrite a spare whose first 4 KiB hold other data or whose metadata "
                      "has another uuid; put a backup back on a device of another size");
    return command;
}

int run_metadata_restore(const MetadataRestoreArgs& args, const Io& io)
{
    std::ifstream file;
    if (args.dump != "-") {
        file.open(args.dump, std::ios::binary);
        if (!file)
            throw OperationError("open", args.dump, errno_text(errno), errno);
    }
    std::istream& in = args.dump == "-" ? std::cin : file;
    if (metadata::is_backup(in)) {
        restore_areas(args, in, io);
        return exit_success;
    }
    return restore_dump(args, in, io);
}

}  // namespace dmremap::cli
