#include "scrub_render.hpp"

#include <cstdio>

namespace dmremap::cli {

namespace {

std::string one_decimal(double value)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f", value);
    return text;
}

std::string time_left_text(const ScrubReport& r)
{
    if (!r.progress.seconds_left) {
        if (!r.status.running)
            return "none (idle)";
        return "unknown (position did not move in " + one_decimal(r.measured_seconds) + " s)";
    }
    std::string text = format_duration(*r.progress.seconds_left);
    if (r.progress.basis == ScrubProgress::Basis::measured)
        text += " (from the progress over " + one_decimal(r.measured_seconds) + " s)";
    else
        text += " (at " + std::to_string(r.status.rate) + " MiB/s: at least this long)";
    return text;
}

}  // namespace

std::string format_duration(std::uint64_t seconds)
{
    char text[64];
    const std::uint64_t days = seconds / 86400;
    const auto h = static_cast<unsigned>(seconds % 86400 / 3600);
    const auto m = static_cast<unsigned>(seconds % 3600 / 60);
    const auto s = static_cast<unsigned>(seconds % 60);
    if (days)
        std::snprintf(text, sizeof(text), "%llud %02u:%02u:%02u", static_cast<unsigned long long>(days), h, m, s);
    else
        std::snprintf(text, sizeof(text), "%u:%02u:%02u", h, m, s);
    return text;
}

Json scrub_status_json(const DeviceId& id, const ScrubReport& r)
{
    Json document = device_document(id);
    document["state"] = r.status.running ? "running" : "idle";
    document["position"] = r.status.position;
    document["blocks"] = r.nr_blocks;
    document["percent_done"] = r.progress.percent_done;
    document["found"] = r.status.found;
    document["passes"] = r.status.passes;
    document["rate"] = r.status.rate;
    document["seconds_left"] = r.progress.seconds_left ? Json(*r.progress.seconds_left) : Json(nullptr);
    document["estimate"] = to_string(r.progress.basis);
    document["measured_seconds"] = r.measured_seconds;
    return document;
}

void write_scrub_status_text(std::ostream& out, const ScrubReport& r)
{
    write_columns(out, {
                           {"state", r.status.running ? "running" : "idle"},
                           {"position", std::to_string(r.status.position) + " of " +
                                            std::to_string(r.nr_blocks) + " blocks (" +
                                            one_decimal(r.progress.percent_done) + "%)"},
                           {"found", std::to_string(r.status.found)},
                           {"passes", std::to_string(r.status.passes)},
                           {"rate", std::to_string(r.status.rate) + " MiB/s"},
                           {"time_left", time_left_text(r)},
                       });
}

}  // namespace dmremap::cli
