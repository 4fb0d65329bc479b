#include <chrono>
#include <filesystem>
#include <thread>

#include "block_device.hpp"
#include "commands.hpp"
#include "dm_control.hpp"
#include "error.hpp"
#include "module_loader.hpp"
#include "validators.hpp"

namespace dmremap::cli {

namespace {

// udev normally has the node in place when create returns; this covers a
// slow udev run after the cookie was released.
constexpr auto node_timeout = std::chrono::seconds(10);
constexpr auto node_poll = std::chrono::milliseconds(50);

void require_block_device(const BlockDevice& device, const std::string& name, std::string_view role)
{
    if (!device.is_block_device()) {
        throw OperationError("create", name,
                             std::string(role) + " " + device.path().string() +
                                 " is not a block device (attach an image with losetup)");
    }
}

void require_unused(const BlockDevice& device, const std::string& name, std::string_view role)
{
    const DeviceUsage usage = device_usage(device.path());
    if (!usage.in_use())
        return;
    std::string why;
    if (!usage.holders.empty()) {
        why = "held by";
        for (const std::string& holder : usage.holders)
            why += " " + holder;
    } else {
        why = "opened exclusively (mounted, swap, or part of another device?)";
    }
    throw OperationError("create", name,
                         std::string(role) + " " + device.path().string() + " is in use: " + why);
}

void require_block_size_fits(const BlockDevice& device, const std::string& name,
                             std::string_view role, std::uint32_t block_size)
{
    const std::uint32_t logical = device.logical_block_size();
    if (block_size < logical) {
        throw OperationError("create", name,
                             "block size " + std::to_string(block_size) + " is below the " +
                                 std::to_string(logical) + "-byte logical block size of " +
                                 std::string(role) + " " + device.path().string());
    }
}

void ensure_module_loaded()
{
    ModuleLoader loader;
    const std::string module(remap_module_name);
    if (!loader.is_loaded(module))
        loader.load(module);
}

void wait_for_node(const std::filesystem::path& node, const std::string& name)
{
    const auto deadline = std::chrono::steady_clock::now() + node_timeout;
    std::error_code error;
    while (!std::filesystem::exists(node, error)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            throw OperationError("create", name,
                                 "the device exists but " + node.string() + " did not appear within " +
                                     std::to_string(node_timeout.count()) + " s (is udev working?)");
        }
        std::this_thread::sleep_for(node_poll);
    }
}

}  // namespace

CLI::App* add_create_command(CLI::App& app, CreateArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "create", "Create /dev/mapper/NAME over the whole main device, with spare blocks and "
                  "metadata on the spare device (loads the dm_remap module if needed)");
    command->add_option("name", args.name, "Name of the new device")
        ->required()
        ->check(new_device_name());
    command->add_option("main", args.main, "The main block device")->required();
    command->add_option("spare", args.spare,
                        "The spare block device: formatted if its first 4 KiB are zero, "
                        "loaded if it holds dm-remap metadata, refused otherwise")
        ->required();
    command->add_option("--block-size", args.block_size, "Remap unit in bytes")
        ->check(block_size())
        ->capture_default_str();
    command->add_flag("--no-auto-remap", args.no_auto_remap,
                      "Do not remap blocks automatically on I/O errors");
    command->add_option("--read-retries", args.read_retries,
                        "Extra read attempts on the main device after a read error")
        ->check(CLI::Range(0u, max_read_retries))
        ->capture_default_str();
    command->add_flag("-n,--dry-run", args.dry_run,
                      "Check the devices and print the table line it would load; load nothing");
    return command;
}

int run_create(const CreateArgs& args, const Io& io)
{
    const TargetOptions options = args.options();

    const BlockDevice main(args.main);
    const BlockDevice spare(args.spare);
    require_block_device(main, args.name, "main device");
    require_block_device(spare, args.name, "spare device");
    if (devices_overlap(main.number(), spare.number())) {
        throw OperationError("create", args.name,
                             "main " + args.main + " and spare " + args.spare +
                                 " are, or contain, the same device");
    }
    require_unused(main, args.name, "main device");
    require_unused(spare, args.name, "spare device");
    require_block_size_fits(main, args.name, "main device", options.block_size);
    require_block_size_fits(spare, args.name, "spare device", options.block_size);

    const std::uint64_t length = usable_length_sectors(main.size_bytes(), options.block_size);
    if (length == 0) {
        throw OperationError("create", args.name,
                             "main device " + args.main + " is smaller than one " +
                                 std::to_string(options.block_size) + "-byte block");
    }

    if (args.dry_run) {
        io.out << build_table_line(length, main.number().to_string(), spare.number().to_string(),
                                   options)
               << '\n';
        return exit_success;
    }
    ensure_module_loaded();

    DmControl dm;
    if (dm.info(args.name))
        throw OperationError("create", args.name, "a device-mapper device of that name exists");
    dm.create(args.name, {Target{0, length, std::string(remap_target_type),
                                 build_target_params(main.number().to_string(),
                                                     spare.number().to_string(), options)}});
    wait_for_node(std::filesystem::path("/dev/mapper") / args.name, args.name);
    return exit_success;
}

}  // namespace dmremap::cli
