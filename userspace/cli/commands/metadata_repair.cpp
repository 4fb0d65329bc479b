#include "metadata_repair.hpp"

#include <ctime>

#include "commands.hpp"
#include "metadata_backup.hpp"
#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_render.hpp"
#include "metadata_spare.hpp"
#include "output_file.hpp"

namespace dmremap::cli {

namespace {

// Saves what the repair will overwrite; throws when it cannot, so that
// nothing is written without the backup asked for.
void save_backup(metadata::MetadataImage& spare, const metadata::RepairPlan& plan,
                 const std::string& path, const Io& io)
{
    std::uint64_t unreadable = 0;
    const metadata::Backup backup = metadata::read_backup(spare, plan.written_areas(), unreadable);
    OutputFile file(path);
    metadata::write_backup(file.stream(), backup);
    file.commit();
    if (unreadable != 0) {
        io.err << "dmremap: warning: " << unreadable
               << " metadata blocks could not be read, so the backup lacks them\n";
    }
}

// The exit status of a repair that was possible.
int repair_status(const metadata::RepairPlan& plan, const RepairOutcome& outcome,
                  const MetadataRepairArgs& args)
{
    if (!plan.needed)
        return exit_success;
    if (outcome.after)
        return outcome.after->damaged() ? exit_failure : exit_repaired;
    if (plan.lossy() && !args.force)
        return exit_needs_force;
    return exit_repaired;  // --dry-run: a repair would write
}

}  // namespace

CLI::App* add_metadata_repair_command(CLI::App& metadata, MetadataRepairArgs& args)
{
    CLI::App* command = metadata.add_subcommand(
        "repair", "Rebuild both metadata copies from the newest consistent one, from the good "
                  "blocks of each, or from every remap that can be trusted (exit 0 nothing to "
                  "repair, 5 repaired, 6 needs --force)");
    command->add_option("spare", args.spare, "The spare block device or image file")->required();
    command->add_flag("-n,--dry-run", args.dry_run, "Say what a repair would do; write nothing");
    command->add_flag("--json", args.json, "Print the outcome as one JSON document on stdout");
    command->add_flag("--force", args.force,
                      "Make a repair that drops commits or remaps that cannot be recovered");
    command->add_option("--backup", args.backup,
                        "Save the metadata areas the repair overwrites to FILE first "
                        "(dmremap metadata restore FILE SPARE puts them back)");
    return command;
}

int run_metadata_repair(const MetadataRepairArgs& args, const Io& io)
{
    auto spare = open_spare(args.spare,
                            args.dry_run ? metadata::SpareFile::Mode::read_only
                                         : metadata::SpareFile::Mode::read_write,
                            args.json, io);
    if (!spare)
        return exit_unreadable;
    const metadata::CheckReport before = check_spare(*spare);
    const metadata::RepairPlan plan = metadata::plan_repair(*spare, before);
    RepairOutcome outcome;
    outcome.forced = args.force;
    const bool allowed = !plan.lossy() || args.force;
    if (plan.needed && plan.possible && allowed && !args.dry_run) {
        if (!args.backup.empty()) {
            save_backup(*spare, plan, args.backup, io);
            outcome.backup = args.backup;
        }
        outcome.remaps =
            metadata::apply_repair(*spare, plan, static_cast<std::uint64_t>(std::time(nullptr)));
        outcome.written = true;
        outcome.after = metadata::check_metadata(*spare);
    }
    if (args.json)
        write_json(io.out, repair_json(before, plan, outcome));
    else
        write_repair_text(io.err, before, plan, outcome);
    if (!plan.possible)
        return before.no_metadata ? exit_no_metadata : exit_failure;
    return repair_status(plan, outcome, args);
}

}  // namespace dmremap::cli
