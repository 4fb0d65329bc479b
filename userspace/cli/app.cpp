#include "app.hpp"

#include <string>

#include "commands/commands.hpp"
#include "version.hpp"

namespace dmremap::cli {

Cli::Cli()
    : app_(std::make_unique<CLI::App>(
          "Manage dm-remap devices: block devices whose bad blocks are remapped to a spare "
          "device.",
          "dmremap"))
{
    app_->require_subcommand(1);
    app_->set_version_flag("--version", std::string("dmremap ") + dmremap::version);
    app_->footer("Exit status: 0 success, 1 the operation failed, 2 usage error.");

    create_ = add_create_command(*app_, arguments_.create);
    remove_ = add_remove_command(*app_, arguments_.remove);
    list_ = add_list_command(*app_, arguments_.list);
    status_ = add_status_command(*app_, arguments_.status);
    remaps_ = add_remaps_command(*app_, arguments_.remaps);
    remap_ = add_remap_command(*app_, arguments_.remap);
    unremap_ = add_unremap_command(*app_, arguments_.unremap);
    metadata_ = add_metadata_commands(*app_, arguments_.metadata);
}

std::string Cli::selected_command() const
{
    const auto selected = app_->get_subcommands();
    if (selected.empty())
        return std::string();
    // "metadata check": a group and its command.
    const auto inner = selected.front()->get_subcommands();
    return selected.front()->get_name() +
           (inner.empty() ? std::string() : " " + inner.front()->get_name());
}

int Cli::run(int argc, const char* const* argv, const Io& io)
{
    try {
        app_->parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // Prints help or version to out, a usage error to err.
        const int code = app_->exit(error, io.out, io.err);
        return code == static_cast<int>(CLI::ExitCodes::Success) ? exit_success : exit_usage;
    }

    try {
        return dispatch(io);
    } catch (const std::exception& error) {
        io.err << "dmremap: " << error.what() << '\n';
        return exit_failure;
    }
}

int Cli::dispatch(const Io& io) const
{
    if (create_->parsed())
        return run_create(arguments_.create, io);
    if (remove_->parsed())
        return run_remove(arguments_.remove, io);
    if (list_->parsed())
        return run_list(arguments_.list, io);
    if (status_->parsed())
        return run_status(arguments_.status, io);
    if (remaps_->parsed())
        return run_remaps(arguments_.remaps, io);
    if (remap_->parsed())
        return run_remap(arguments_.remap, io);
    if (unremap_->parsed())
        return run_unremap(arguments_.unremap, io);
    if (metadata_.check->parsed())
        return run_metadata_check(arguments_.metadata.check, io);
    if (metadata_.dump->parsed())
        return run_metadata_dump(arguments_.metadata.dump, io);
    if (metadata_.restore->parsed())
        return run_metadata_restore(arguments_.metadata.restore, io);
    if (metadata_.repair->parsed())
        return run_metadata_repair(arguments_.metadata.repair, io);
    io.err << "dmremap: no command given\n";
    return exit_usage;
}

}  // namespace dmremap::cli
