#include <cerrno>

#include "block_device.hpp"
#include "commands.hpp"
#include "dm_control.hpp"
#include "remap_device.hpp"
#include "render.hpp"

namespace dmremap::cli {

namespace {

std::optional<std::string> kernel_name_of(const std::string& major_minor)
{
    const auto number = DeviceNumber::parse(major_minor);
    return number ? kernel_device_name(*number) : std::nullopt;
}

}  // namespace

CLI::App* add_list_command(CLI::App& app, ListArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "list", "Show the dm-remap devices with their main, spare, remapped count and health");
    command->add_flag("--json", args.json, "Print one JSON document");
    return command;
}

int run_list(const ListArgs& args, const Io& io)
{
    DmControl dm;
    std::vector<DeviceSummary> devices;
    int status = exit_success;
    for (const DeviceEntry& entry : find_remap_devices(dm)) {
        try {
            RemapDevice device(dm, entry.name);
            devices.push_back(DeviceSummary{DeviceId{entry.name, entry.kernel_name()},
                                            device.table(), kernel_name_of(device.table().main_dev),
                                            kernel_name_of(device.table().spare_dev),
                                            device.status()});
        } catch (const DmError& error) {
            if (error.error_code() == ENXIO)
                continue;  // removed while we looked
            io.err << "dmremap: " << error.what() << '\n';
            status = exit_failure;
        } catch (const std::exception& error) {
            io.err << "dmremap: " << entry.name << ": " << error.what() << '\n';
            status = exit_failure;
        }
    }
    if (args.json)
        write_json(io.out, device_list_json(devices));
    else
        write_device_list_text(io.out, devices);
    return status;
}

}  // namespace dmremap::cli
