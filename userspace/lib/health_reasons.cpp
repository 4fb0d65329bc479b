#include "health_reasons.hpp"

#include <algorithm>
#include <bit>

#include "error.hpp"
#include "number_parse.hpp"

namespace dmremap {

namespace {

// Grows with the count, a doubling costing step more, up to cap: the
// kernel's log_penalty() (docs/health.md).
unsigned log_penalty(std::uint64_t count, unsigned base, unsigned step, unsigned cap)
{
    if (count == 0)
        return 0;
    const auto floor_log2 = static_cast<std::uint64_t>(std::bit_width(count) - 1);
    return static_cast<unsigned>(std::min<std::uint64_t>(cap, base + step * floor_log2));
}

std::string plural(std::uint64_t n, const std::string& one, const std::string& many)
{
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

const std::string& required(const HealthReport& report, std::string_view key)
{
    const std::string* value = report.details.find(key);
    if (!value)
        throw ParseError("health reply", "key '" + std::string(key) + "' is missing");
    return *value;
}

std::uint64_t required_number(const HealthReport& report, std::string_view key)
{
    return parse_unsigned(required(report, key), "health reply key '" + std::string(key) + "'");
}

std::optional<std::uint64_t> seconds_or_none(const HealthReport& report, std::string_view key)
{
    const std::string& text = required(report, key);
    if (text == "-1")
        return std::nullopt;
    return parse_unsigned(text, "health reply key '" + std::string(key) + "'");
}

// What each reason word of docs/health.md rests on.
HealthReason explain(const std::string& word, const HealthFigures& f)
{
    HealthReason r{word, "", std::nullopt, std::nullopt, ""};
    const auto with = [&r](std::string figure, std::string value, unsigned penalty,
                           std::string description) {
        r.figure = std::move(figure);
        r.value = std::move(value);
        r.penalty = penalty;
        r.description = std::move(description);
    };
    const std::string used = std::to_string(f.spare_used_pct);
    if (word == "remapped_blocks")
        with("remapped", std::to_string(f.remapped), remapped_blocks_penalty(f.remapped),
             plural(f.remapped, "block remapped", "blocks remapped"));
    else if (word == "lost_sectors")
        with("lost_sectors", std::to_string(f.lost_sectors), lost_sectors_penalty(f.lost_sectors),
             plural(f.lost_sectors, "sector lost", "sectors lost") + " (they read as errors until written)");
    else if (word == "spare_full")
        with("spare_used_pct", used, 40, "spare pool " + used + "% used: the next bad block cannot be remapped");
    else if (word == "spare_90pct")
        with("spare_used_pct", used, 25, "spare pool " + used + "% used (90% or more)");
    else if (word == "spare_75pct")
        with("spare_used_pct", used, 10, "spare pool " + used + "% used (75% or more)");
    else if (word == "remap_rate_high")
        with("remaps_last_hour", std::to_string(f.remaps_last_hour), 15,
             plural(f.remaps_last_hour, "automatic remap", "automatic remaps") + " in the last hour (10 or more)");
    else if (word == "recent_remaps")
        with("remaps_last_hour", std::to_string(f.remaps_last_hour), 5,
             plural(f.remaps_last_hour, "automatic remap", "automatic remaps") + " in the last hour");
    else if (word == "spare_errors")
        with("spare_errors", std::to_string(f.spare_errors), 20,
             plural(f.spare_errors, "error", "errors") + " on the spare device");
    else if (word == "metadata_degraded")
        with("metadata_state", f.metadata_state, 10,
             "metadata degraded: one copy is bad or stale, the other is good");
    else if (word == "metadata_failed")
        with("metadata_state", f.metadata_state, 100,
             "metadata failed: no new remap can be made durable");
    else
        r.description = "a reason this version of dmremap does not know";
    return r;
}

bool is_known_key(std::string_view key)
{
    static constexpr std::string_view known[] = {
        "remapped",         "lost_sectors",  "spare_used_pct", "remaps_last_hour",
        "spare_exhaustion_seconds", "spare_errors", "metadata_state", "reasons"};
    return std::find(std::begin(known), std::end(known), key) != std::end(known);
}

}  // namespace

unsigned remapped_blocks_penalty(std::uint64_t remapped)
{
    return log_penalty(remapped, 5, 5, 30);
}

unsigned lost_sectors_penalty(std::uint64_t lost_sectors)
{
    return log_penalty(lost_sectors, 25, 3, 40);
}

HealthFigures health_figures(const HealthReport& report)
{
    HealthFigures f;
    f.score = report.score;
    f.state = report.state;
    f.remapped = required_number(report, "remapped");
    f.lost_sectors = required_number(report, "lost_sectors");
    f.spare_used_pct = required_number(report, "spare_used_pct");
    f.remaps_last_hour = required_number(report, "remaps_last_hour");
    f.spare_exhaustion_seconds = seconds_or_none(report, "spare_exhaustion_seconds");
    f.spare_errors = required_number(report, "spare_errors");
    f.metadata_state = required(report, "metadata_state");
    if (!metadata_state_from_string(f.metadata_state)) {
        throw ParseError("health reply key 'metadata_state'",
                         "'" + f.metadata_state + "' is not one of " + metadata_state_names());
    }
    const std::string& reasons = required(report, "reasons");
    if (reasons.empty())
        throw ParseError("health reply key 'reasons'", "empty, expected reason words or 'none'");
    if (reasons != "none") {
        std::size_t start = 0;
        for (;;) {
            const std::size_t comma = reasons.find(',', start);
            const std::string word = reasons.substr(start, comma - start);
            if (word.empty())
                throw ParseError("health reply key 'reasons'", "an empty word in '" + reasons + "'");
            f.reasons.push_back(explain(word, f));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    }
    for (const auto& item : report.details) {
        if (!is_known_key(item.first))
            f.extra.push_back(item);
    }
    return f;
}

}  // namespace dmremap
