#include "metrics.hpp"

#include <set>

#include "prometheus_text.hpp"

namespace dmremap::daemon {

namespace {

using Type = PrometheusText::Type;
using Labels = PrometheusText::Labels;

struct FamilyDecl {
    const char* name;
    Type type;
    const char* help;
};

// In the order of the exposition.
constexpr FamilyDecl families[] = {
    {"dmremapd_build_info", Type::gauge, "dmremapd version, always 1."},
    {"dmremap_up", Type::gauge, "1 when the device's status was read and parsed and its table is loaded, else 0."},
    {"dmremap_device_info", Type::gauge, "The device's main and spare devices and block size, always 1."},
    {"dmremap_remapped_blocks", Type::gauge, "Blocks remapped to the spare pool now."},
    {"dmremap_spare_blocks", Type::gauge, "Blocks in the spare pool."},
    {"dmremap_spare_free_blocks", Type::gauge, "Free blocks in the spare pool."},
    {"dmremap_io_errors_total", Type::counter, "Main-device I/O errors seen since the table was loaded, by operation."},
    {"dmremap_auto_remaps_total", Type::counter, "Blocks moved to the spare pool by the error path or the scrub since the table was loaded."},
    {"dmremap_lost_sectors", Type::gauge, "Sectors whose data could not be recovered; they read as errors until rewritten."},
    {"dmremap_health_score", Type::gauge, "Health score from 0 (failed) to 100."},
    {"dmremap_health_state", Type::gauge, "1 for the device's current health state."},
    {"dmremap_metadata_ok", Type::gauge, "1 when the metadata state is ok, else 0."},
    {"dmremap_metadata_state", Type::gauge, "1 for the device's current metadata state."},
    {"dmremap_metadata_commits_total", Type::counter, "Metadata commits since the table was loaded."},
    {"dmremap_scrub_running", Type::gauge, "1 while a scrub pass runs, else 0."},
    {"dmremap_scrub_progress_ratio", Type::gauge, "Position of the scrub in the device, 0 to 1."},
    {"dmremap_spare_exhaustion_forecast_seconds", Type::gauge, "Seconds until the spare pool is empty at the remap rate of the forecast window; absent without recent remaps."},
    {"dmremap_events_total", Type::counter, "Device-mapper events the device raised since it was created."},
};

constexpr const char* health_states[] = {"ok", "warning", "critical", "failed"};
constexpr const char* metadata_states[] = {"ok", "degraded", "failed"};

Labels with(const Labels& base, const char* key, std::string value)
{
    Labels labels = base;
    labels.emplace_back(key, std::move(value));
    return labels;
}

void add_device(PrometheusText& out, const DeviceMetrics& device)
{
    const RemapSample& sample = device.sample;
    const Labels labels = {{"device", sample.device.entry.kernel_name()},
                           {"name", sample.device.entry.name}};
    out.sample("dmremap_up", labels, std::uint64_t{sample.up ? 1u : 0u});
    if (!sample.up)
        return;
    const TargetStatus& s = sample.status;
    Labels info = labels;
    info.emplace_back("main", sample.main_device);
    info.emplace_back("spare", sample.spare_device);
    info.emplace_back("block_size", std::to_string(s.block_size));
    out.sample("dmremap_device_info", info, std::uint64_t{1});
    out.sample("dmremap_remapped_blocks", labels, s.remapped);
    out.sample("dmremap_spare_blocks", labels, s.spare_total);
    out.sample("dmremap_spare_free_blocks", labels, s.spare_free);
    out.sample("dmremap_io_errors_total", with(labels, "op", "read"), s.read_errors);
    out.sample("dmremap_io_errors_total", with(labels, "op", "write"), s.write_errors);
    out.sample("dmremap_auto_remaps_total", labels, s.auto_remaps);
    out.sample("dmremap_lost_sectors", labels, s.lost_sectors);
    out.sample("dmremap_health_score", labels, std::uint64_t{s.health_score});
    for (const char* state : health_states) {
        out.sample("dmremap_health_state", with(labels, "state", state),
                   std::uint64_t{to_string(s.health_state) == state ? 1u : 0u});
    }
    out.sample("dmremap_metadata_ok", labels,
               std::uint64_t{s.metadata_state == MetadataState::ok ? 1u : 0u});
    for (const char* state : metadata_states) {
        out.sample("dmremap_metadata_state", with(labels, "state", state),
                   std::uint64_t{to_string(s.metadata_state) == state ? 1u : 0u});
    }
    if (sample.metadata_commits)
        out.sample("dmremap_metadata_commits_total", labels, *sample.metadata_commits);
    if (sample.scrub) {
        out.sample("dmremap_scrub_running", labels, std::uint64_t{sample.scrub->running ? 1u : 0u});
        const double ratio = sample.nr_blocks == 0
                                 ? 0.0
                                 : static_cast<double>(std::min(sample.scrub->position, sample.nr_blocks)) /
                                       static_cast<double>(sample.nr_blocks);
        out.sample("dmremap_scrub_progress_ratio", labels, ratio);
    }
    if (device.forecast_seconds)
        out.sample("dmremap_spare_exhaustion_forecast_seconds", labels, *device.forecast_seconds);
    out.sample("dmremap_events_total", labels, std::uint64_t{sample.device.event_nr});
}

}  // namespace

std::string render_metrics(const std::vector<DeviceMetrics>& devices, const std::string& version)
{
    PrometheusText out;
    for (const FamilyDecl& family : families)
        out.family(family.name, family.type, family.help);
    out.sample("dmremapd_build_info", {{"version", version}}, std::uint64_t{1});
    std::set<std::string> written;
    for (const DeviceMetrics& device : devices) {
        if (device.sample.gone)
            continue;
        if (written.insert(device.sample.device.entry.kernel_name()).second)
            add_device(out, device);
    }
    return out.text();
}

}  // namespace dmremap::daemon
