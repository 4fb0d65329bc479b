#include "commands.hpp"
#include "dm_control.hpp"
#include "error.hpp"
#include "remap_device.hpp"

namespace dmremap::cli {

CLI::App* add_remove_command(CLI::App& app, RemoveArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "remove", "Commit the metadata, then remove the device");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_flag("-f,--force", args.force,
                      "Remove even if the device is open (it goes away when last closed) or "
                      "the commit fails");
    return command;
}

int run_remove(const RemoveArgs& args, const Io& io)
{
    DmControl dm;
    RemapDevice device(dm, args.name);
    const std::int32_t open_count = device.info().open_count;
    if (open_count > 0 && !args.force) {
        throw OperationError("remove", args.name,
                             "the device is open (" + std::to_string(open_count) +
                                 " openers); close it, or use --force to remove it once closed");
    }

    try {
        device.commit();
    } catch (const std::exception& error) {
        if (!args.force) {
            throw OperationError("remove", args.name,
                                 std::string("the metadata commit failed, so the device stays: ") +
                                     error.what());
        }
        io.err << "dmremap: warning: " << error.what() << "; removing anyway (--force)\n";
    }

    if (open_count > 0) {
        dm.remove(args.name, DmControl::RemoveMode::deferred);
        io.err << "dmremap: " << args.name
               << " is open: it keeps working and is removed when its last opener closes it\n";
    } else {
        dm.remove(args.name);
    }
    return exit_success;
}

}  // namespace dmremap::cli
