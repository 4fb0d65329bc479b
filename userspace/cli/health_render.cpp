#include "health_render.hpp"

#include <string>

#include "error.hpp"
#include "number_parse.hpp"

namespace dmremap::cli {

namespace {

// A figure as JSON: a number when it is one, else the kernel's word.
Json figure_json(const std::string& value)
{
    try {
        return parse_unsigned(value, "figure");
    } catch (const ParseError&) {
        return value;
    }
}

std::string exhaustion_text(const std::optional<std::uint64_t>& seconds)
{
    if (!seconds)
        return "none (no automatic remap in the last hour)";
    return std::to_string(*seconds) + " (about " + std::to_string(*seconds / 86400) + " days)";
}

}  // namespace

Json health_json(const DeviceId& id, const HealthFigures& h)
{
    Json document = device_document(id);
    document["score"] = h.score;
    document["state"] = to_string(h.state);
    document["remapped"] = h.remapped;
    document["lost_sectors"] = h.lost_sectors;
    document["spare_used_pct"] = h.spare_used_pct;
    document["remaps_last_hour"] = h.remaps_last_hour;
    document["spare_exhaustion_seconds"] =
        h.spare_exhaustion_seconds ? Json(*h.spare_exhaustion_seconds) : Json(nullptr);
    document["spare_errors"] = h.spare_errors;
    document["metadata_state"] = h.metadata_state;
    Json reasons = Json::array();
    for (const HealthReason& r : h.reasons) {
        Json reason;
        reason["reason"] = r.reason;
        reason["penalty"] = r.penalty ? Json(*r.penalty) : Json(nullptr);
        reason["figure"] = r.figure.empty() ? Json(nullptr) : Json(r.figure);
        reason["value"] = r.value ? figure_json(*r.value) : Json(nullptr);
        reason["description"] = r.description;
        reasons.push_back(std::move(reason));
    }
    document["reasons"] = std::move(reasons);
    Json extra = Json::object();
    for (const auto& [key, value] : h.extra)
        extra[key] = value;
    document["extra"] = std::move(extra);
    return document;
}

void write_health_text(std::ostream& out, const HealthFigures& h)
{
    std::vector<std::vector<std::string>> rows{
        {"score", std::to_string(h.score)},
        {"state", std::string(to_string(h.state))},
        {"remapped", std::to_string(h.remapped)},
        {"lost_sectors", std::to_string(h.lost_sectors)},
        {"spare_used_pct", std::to_string(h.spare_used_pct)},
        {"remaps_last_hour", std::to_string(h.remaps_last_hour)},
        {"spare_exhaustion_seconds", exhaustion_text(h.spare_exhaustion_seconds)},
        {"spare_errors", std::to_string(h.spare_errors)},
        {"metadata_state", h.metadata_state},
    };
    for (const auto& [key, value] : h.extra)
        rows.push_back({key, value});
    if (h.reasons.empty())
        rows.push_back({"reasons", "none"});
    write_columns(out, rows);
    if (h.reasons.empty())
        return;
    out << "reasons\n";

    std::vector<std::vector<std::string>> reasons;
    for (const HealthReason& r : h.reasons) {
        reasons.push_back({"  " + (r.penalty ? "-" + std::to_string(*r.penalty) : std::string("?")),
                           r.reason, r.description});
    }
    write_columns(out, reasons);
}

}  // namespace dmremap::cli
