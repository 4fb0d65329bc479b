#include <optional>

#include "commands.hpp"
#include "error.hpp"
#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_json.hpp"
#include "metadata_render.hpp"
#include "metadata_salvage.hpp"
#include "metadata_spare.hpp"
#include "output_file.hpp"

namespace dmremap::cli {

namespace {

// The copy the kernel would load, remap by remap as it is read.
std::uint64_t dump_chosen(metadata::SpareFile& spare, const metadata::CheckReport& report,
                          std::ostream& out)
{
    metadata::DumpWriter writer(out, report);
    std::uint64_t remaps = 0;
    metadata::for_each_remap(spare, *report.chosen_copy(),
                             [&](std::uint64_t spare_block, const metadata::Entry& e) {
                                 writer.add(spare_block, e);
                                 ++remaps;
                             });
    writer.finish();
    return remaps;
}

void dump_salvage(const metadata::CheckReport& report, const metadata::SalvageResult& salvage,
                  std::ostream& out)
{
    metadata::DumpWriter writer(out, report, salvage);
    for (const metadata::RecoveredEntry& e : salvage.entries)
        writer.add(e.spare_block, e.entry, &e.source);
    writer.finish();
}

void warn_salvage(const MetadataDumpArgs& args, const metadata::SalvageResult& salvage,
                  const Io& io)
{
    for (const std::string& note : salvage.superblock_notes)
        io.err << "dmremap: salvage: superblock: " << note << '\n';
    for (const metadata::Unrecovered& u : salvage.unrecovered)
        io.err << "dmremap: salvage: not recovered: " << u.reason << '\n';
    if (salvage.unrecovered_count > salvage.unrecovered.size()) {
        io.err << "dmremap: salvage: " << salvage.unrecovered_count - salvage.unrecovered.size()
               << " more not recovered (not listed)\n";
    }
    io.err << "dmremap: salvaged " << salvage.entries.size() << " remaps from " << args.spare
           << (salvage.complete() ? "" : " (some could not be recovered: above)") << '\n';
}

}  // namespace

CLI::App* add_metadata_dump_command(CLI::App& metadata, MetadataDumpArgs& args)
{
    CLI::App* command = metadata.add_subcommand(
        "dump", "Write the superblocks and every remap of the copy the kernel would load as "
                "JSON (the input of restore)");
    command->add_option("spare", args.spare, "The spare block device or image file")->required();
    command->add_option("-o,--output", args.output,
                        "Write to FILE instead of stdout (a regular file is replaced whole, "
                        "once complete)");
    command->add_flag("--salvage", args.salvage,
                      "Dump every remap that can be trusted from both copies, whatever their "
                      "superblocks say, each with where it came from");
    return command;
}

int run_metadata_dump(const MetadataDumpArgs& args, const Io& io)
{
    auto spare = open_spare(args.spare, metadata::SpareFile::Mode::read_only, false, io);
    if (!spare)
        return exit_unreadable;
    const metadata::CheckReport report = check_spare(*spare);
    if (report.no_metadata) {
        io.err << "dmremap: " << args.spare << ": no dm-remap metadata on it"
               << (report.foreign ? "; it holds: " + *report.foreign : std::string()) << '\n';
        return exit_no_metadata;
    }
    std::optional<metadata::SalvageResult> salvage;
    if (args.salvage) {
        salvage = metadata::salvage_metadata(*spare, report);
        if (!salvage->possible())
            throw OperationError("salvage the metadata of", args.spare, salvage->refusal);
    } else if (!report.chosen_copy()) {
        throw OperationError("dump the metadata of", args.spare,
                             "no consistent metadata copy to dump (dmremap metadata check shows "
                             "why; dmremap metadata dump --salvage recovers what can be trusted)");
    } else if (report.damaged()) {
        io.err << "dmremap: warning: the metadata of " << args.spare
               << " has problems (dmremap metadata check lists them); dumping copy "
               << report.chosen_copy()->copy << ", the one the kernel would load\n";
    }

    const bool to_file = !args.output.empty() && args.output != "-";
    std::optional<OutputFile> file;
    if (to_file)
        file.emplace(args.output);
    std::ostream& out = to_file ? file->stream() : io.out;
    std::uint64_t remaps = 0;
    if (salvage) {
        dump_salvage(report, *salvage, out);
        remaps = salvage->entries.size();
    } else {
        remaps = dump_chosen(*spare, report, out);
    }
    if (to_file)
        file->commit();
    if (salvage)
        warn_salvage(args, *salvage, io);
    else if (to_file)
        io.err << "dmremap: dumped " << remaps << " remaps (copy " << report.chosen_copy()->copy
               << ", seq " << report.chosen_copy()->superblock->seq << ") to " << args.output
               << '\n';
    return salvage && !salvage->complete() ? exit_failure : exit_success;
}

}  // namespace dmremap::cli
