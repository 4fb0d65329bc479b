#include "forecast.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace dmremap::daemon {

void SpareHistory::observe(std::int64_t now, std::uint64_t spare_total, std::uint64_t spare_free)
{
    const std::uint64_t used = spare_total >= spare_free ? spare_total - spare_free : 0;
    if (empty() || spare_total != spare_total_) {
        *this = SpareHistory{};
        first_seen_ = now > 0 ? now : 1;
        spare_total_ = spare_total;
        last_used_ = used;
        last_free_ = spare_free;
        return;
    }
    if (used > last_used_) {
        const std::int64_t minute = now - now % 60;
        if (!minutes_.empty() && minutes_.back().start == minute)
            minutes_.back().used += used - last_used_;
        else
            minutes_.push_back(Minute{minute, used - last_used_});
    }
    last_used_ = used;
    last_free_ = spare_free;
}

std::optional<double> SpareHistory::forecast(std::int64_t now, std::int64_t window) const
{
    if (empty())
        return std::nullopt;
    const std::int64_t window_start = now - window;
    std::uint64_t newly_used = 0;
    for (const Minute& minute : minutes_) {
        if (minute.start + 60 > window_start)
            newly_used += minute.used;
    }
    if (newly_used == 0)
        return std::nullopt;
    const std::int64_t span =
        std::max(now - std::max(first_seen_, window_start), minimum_span);
    return static_cast<double>(last_free_) * static_cast<double>(span) /
           static_cast<double>(newly_used);
}

void SpareHistory::trim(std::int64_t now, std::int64_t window)
{
    const std::int64_t window_start = now - window;
    std::erase_if(minutes_, [&](const Minute& minute) { return minute.start + 60 <= window_start; });
}

nlohmann::json SpareHistory::to_json() const
{
    nlohmann::json minutes = nlohmann::json::array();
    for (const Minute& minute : minutes_)
        minutes.push_back({minute.start, minute.used});
    return {{"first_seen", first_seen_},
            {"spare_total", spare_total_},
            {"spare_used", last_used_},
            {"spare_free", last_free_},
            {"minutes", minutes}};
}

SpareHistory SpareHistory::from_json(const nlohmann::json& json)
{
    SpareHistory history;
    history.first_seen_ = json.at("first_seen").get<std::int64_t>();
    history.spare_total_ = json.at("spare_total").get<std::uint64_t>();
    history.last_used_ = json.at("spare_used").get<std::uint64_t>();
    history.last_free_ = json.at("spare_free").get<std::uint64_t>();
    for (const auto& minute : json.at("minutes"))
        history.minutes_.push_back(Minute{minute.at(0).get<std::int64_t>(), minute.at(1).get<std::uint64_t>()});
    return history;
}

}  // namespace dmremap::daemon
