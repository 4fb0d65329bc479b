#include <chrono>
#include <thread>

#include "commands.hpp"
#include "dm_control.hpp"
#include "remap_device.hpp"
#include "scrub_render.hpp"

namespace dmremap::cli {

namespace {

constexpr unsigned max_measure_seconds = 600;

// Options that belong to one action only are usage errors with another.
void check_options(const ScrubArgs& args)
{
    if (args.rate && args.action != "start")
        throw CLI::ValidationError("--rate", "only 'scrub <name> start' takes a rate");
    if (args.json && args.action != "status")
        throw CLI::ValidationError("--json", "only 'scrub <name> status' prints something");
    if (args.measure && args.action != "status")
        throw CLI::ValidationError("--measure", "only 'scrub <name> status' measures progress");
}

int show_status(RemapDevice& device, const ScrubArgs& args, const Io& io)
{
    ScrubReport report;
    report.nr_blocks = device.nr_blocks();
    const std::uint32_t block_size = device.table().options.block_size;
    if (args.measure) {
        const ScrubStatus before = device.scrub_status();
        const auto start = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(std::chrono::seconds(args.measure));
        report.status = device.scrub_status();
        report.measured_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        report.progress = scrub_progress_measured(before, report.status, report.measured_seconds,
                                                  report.nr_blocks, block_size);
    } else {
        report.status = device.scrub_status();
        report.progress = scrub_progress(report.status, report.nr_blocks, block_size);
    }
    if (args.json)
        write_json(io.out, scrub_status_json(DeviceId{args.name, device.info().kernel_name()}, report));
    else
        write_scrub_status_text(io.out, report);
    return exit_success;
}

}  // namespace

CLI::App* add_scrub_command(CLI::App& app, ScrubArgs& args)
{
    CLI::App* command = app.add_subcommand(
        "scrub", "Start, stop or show the background read of the whole main device that finds "
                 "bad blocks before they are read");
    command->add_option("name", args.name, "The dm-remap device")->required();
    command->add_option("action", args.action, "start, stop or status")
        ->required()
        ->check(CLI::IsMember({"start", "stop", "status"}));
    command->add_option("--rate", args.rate, "start: read rate in MiB/s (the kernel's default: 32)")
        ->check(CLI::Range(scrub_min_rate, scrub_max_rate));
    command->add_option("--measure", args.measure,
                        "status: watch the progress for this many seconds and estimate the time "
                        "left from it, not from the rate")
        ->check(CLI::Range(1u, max_measure_seconds));
    command->add_flag("--json", args.json, "status: print one JSON document");
    command->callback([&args] { check_options(args); });
    return command;
}

int run_scrub(const ScrubArgs& args, const Io& io)
{
    DmControl dm;
    RemapDevice device(dm, args.name);
    if (args.action == "start")
        device.scrub_start(args.rate ? std::optional<unsigned>(args.rate) : std::nullopt);
    else if (args.action == "stop")
        device.scrub_stop();
    else
        return show_status(device, args, io);
    return exit_success;
}

}  // namespace dmremap::cli
