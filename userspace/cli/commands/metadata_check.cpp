#include "metadata_check.hpp"

#include "commands.hpp"
#include "metadata_image.hpp"
#include "metadata_render.hpp"

namespace dmremap::cli {

CLI::App* add_metadata_check_command(CLI::App& metadata, MetadataCheckArgs& args)
{
    CLI::App* command = metadata.add_subcommand(
        "check", "Check the metadata of a spare device or image: exit 0 clean, 1 damaged; the "
                 "report goes to stderr");
    command->add_option("spare", args.spare, "The spare block device or image file")->required();
    command->add_flag("--json", args.json, "Print the report as one JSON document on stdout");
    return command;
}

int run_metadata_check(const MetadataCheckArgs& args, const Io& io)
{
    metadata::SpareFile spare(args.spare, metadata::SpareFile::Mode::read_only);
    const metadata::CheckReport report = metadata::check_metadata(spare);
    if (args.json)
        write_json(io.out, check_report_json(report));
    else
        write_check_report_text(io.err, report);
    return report.damaged() ? exit_failure : exit_success;
}

}  // namespace dmremap::cli
