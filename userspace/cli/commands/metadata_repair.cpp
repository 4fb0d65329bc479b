#include "metadata_repair.hpp"

#include <ctime>

#include "commands.hpp"
#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_render.hpp"

namespace dmremap::cli {

CLI::App* add_metadata_repair_command(CLI::App& metadata, MetadataRepairArgs& args)
{
    CLI::App* command = metadata.add_subcommand(
        "repair", "Rebuild both metadata copies from the newest consistent one (or, for two "
                  "copies of one commit, from the good blocks of each)");
    command->add_option("spare", args.spare, "The spare block device or image file")->required();
    command->add_flag("-n,--dry-run", args.dry_run, "Say what a repair would do; write nothing");
    command->add_flag("--json", args.json, "Print the outcome as one JSON document on stdout");
    return command;
}

int run_metadata_repair(const MetadataRepairArgs& args, const Io& io)
{
    metadata::SpareFile spare(args.spare, args.dry_run ? metadata::SpareFile::Mode::read_only
                                                       : metadata::SpareFile::Mode::read_write);
    const metadata::CheckReport before = metadata::check_metadata(spare);
    const metadata::RepairPlan plan = metadata::plan_repair(spare, before);
    RepairOutcome outcome;
    if (plan.needed && plan.possible && !args.dry_run) {
        outcome.remaps =
            metadata::apply_repair(spare, plan, static_cast<std::uint64_t>(std::time(nullptr)));
        outcome.written = true;
        outcome.after = metadata::check_metadata(spare);
    }
    if (args.json)
        write_json(io.out, repair_json(before, plan, outcome));
    else
        write_repair_text(io.err, before, plan, outcome);
    if (!plan.possible || (outcome.after && outcome.after->damaged()))
        return exit_failure;
    return exit_success;
}

}  // namespace dmremap::cli
