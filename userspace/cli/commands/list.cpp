#include <cerrno>

#include "block_device.hpp"
#include "column_list.hpp"
#include "commands.hpp"
#include "dm_control.hpp"
#include "error.hpp"
#include "list_table.hpp"
#include "remap_device.hpp"
#include "render.hpp"

namespace dmremap::cli {

namespace {

std::optional<std::string> kernel_name_of(const std::string& major_minor)
{
    const auto number = DeviceNumber::parse(major_minor);
    return number ? kernel_device_name(*number) : std::nullopt;
}

std::vector<std::size_t> columns_of(const std::string& spec)
{
    if (spec.empty())
        return default_list_columns();
    return select_columns(spec, list_column_names(), default_list_columns());
}

std::string column_help()
{
    std::string text = "Columns to show, separated by commas; +LIST adds to the default ones. Known:";
    for (std::string_view name : list_column_names())
        text += " " + std::string(name);
    return text;
}

}  // namespace

CLI::App* add_list_command(CLI::App& app, ListArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "list", "Show the dm-remap devices with their main, spare, remapped count and health");
    CLI::Option* columns =
        command->add_option("-o,--output", args.columns, column_help())
            ->check(CLI::Validator(
                [](std::string& spec) -> std::string {
                    try {
                        columns_of(spec);
                    } catch (const ParseError& error) {
                        return error.problem();
                    }
                    return {};
                },
                "LIST", "column list"));
    CLI::Option* noheadings =
        command->add_flag("-n,--noheadings", args.noheadings, "Do not print the header line");
    CLI::Option* raw =
        command->add_flag("-r,--raw", args.raw, "Raw output: one space between columns, as lsblk --raw");
    command->add_flag("--json", args.json, "Print one JSON document (every column)")
        ->excludes(columns)
        ->excludes(noheadings)
        ->excludes(raw);
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
        write_device_list_table(io.out, devices, ListFormat{columns_of(args.columns), args.noheadings, args.raw});
    return status;
}

}  // namespace dmremap::cli
