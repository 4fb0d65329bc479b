#include "metadata_check.hpp"

#include "commands.hpp"
#include "metadata_image.hpp"
#include "metadata_render.hpp"
#include "metadata_spare.hpp"

namespace dmremap::cli {

CLI::App* add_metadata_check_command(CLI::App& metadata, MetadataCheckArgs& args)
{
    CLI::App* command = metadata.add_subcommand(
        "check", "Check the metadata of a spare device or image: exit 0 clean, 1 damaged, 3 no "
                 "dm-remap metadata, 4 cannot open or read; the report goes to stderr");
    command->add_option("spare", args.spare, "The spare block device or image file")->required();
    command->add_flag("--json", args.json, "Print the report as one JSON document on stdout");
    return command;
}

int run_metadata_check(const MetadataCheckArgs& args, const Io& io)
{
    auto spare = open_spare(args.spare, metadata::SpareFile::Mode::read_only, args.json, io);
    if (!spare)
        return exit_unreadable;
    const metadata::CheckReport report = check_spare(*spare);
    if (args.json)
        write_json(io.out, check_report_json(report));
    else
        write_check_report_text(io.err, report);
    return check_exit_status(report);
}

}  // namespace dmremap::cli
