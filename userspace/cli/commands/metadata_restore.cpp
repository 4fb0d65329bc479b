#include "metadata_restore.hpp"

#include <cerrno>
#include <ctime>
#include <fstream>

#include "commands.hpp"
#include "error.hpp"
#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_json.hpp"
#include "metadata_render.hpp"

namespace dmremap::cli {

CLI::App* add_metadata_restore_command(CLI::App& metadata, MetadataRestoreArgs& args)
{
    CLI::App* command = metadata.add_subcommand(
        "restore", "Write both metadata copies from a dump to a spare device or image, with a "
                   "new sequence number and the dump's layout");
    command->add_option("json", args.dump, "The dump, as `dmremap metadata dump` wrote it")
        ->required();
    command->add_option("spare", args.spare, "The spare block device or image file")->required();
    command->add_flag("--force", args.force,
                      "Overwrite a spare whose first 4 KiB hold other data or whose metadata "
                      "has another uuid");
    return command;
}

int run_metadata_restore(const MetadataRestoreArgs& args, const Io& io)
{
    std::ifstream in(args.dump);
    if (!in)
        throw OperationError("open", args.dump, errno_text(errno), errno);
    // Everything about the dump is checked before the spare is opened for
    // writing.
    const metadata::Dump dump = metadata::parse_dump(in);

    metadata::SpareFile spare(args.spare, metadata::SpareFile::Mode::read_write);
    const metadata::RestoreResult result = metadata::restore_metadata(
        spare, dump, args.force, static_cast<std::uint64_t>(std::time(nullptr)));
    for (const std::string& warning : result.warnings)
        io.err << "dmremap: warning: " << warning << '\n';
    io.err << "restored " << result.remaps << " remaps to " << args.spare << " (uuid "
           << metadata::uuid_to_string(dump.superblock.uuid) << ", seq " << result.seq << ")\n";

    const metadata::CheckReport after = metadata::check_metadata(spare);
    if (after.damaged()) {
        io.err << "dmremap: the restored metadata does not check clean:\n";
        write_check_report_text(io.err, after);
        return exit_failure;
    }
    return exit_success;
}

}  // namespace dmremap::cli
