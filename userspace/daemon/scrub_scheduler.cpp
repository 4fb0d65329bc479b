#include "scrub_scheduler.hpp"

#include <algorithm>

namespace dmremap::daemon {

std::optional<std::string> ScrubScheduler::due(const std::vector<RemapSample>& samples, const Config& config,
                                               const std::map<std::string, std::int64_t>& last_scrub,
                                               std::int64_t now)
{
    std::vector<const RemapSample*> scheduled;
    for (const RemapSample& sample : samples) {
        if (!sample.up)
            continue;
        if (sample.scrub && sample.scrub->running)
            return std::nullopt;
        if (sample.scrub && config.for_device(sample.device.entry.name).scrub_every)
            scheduled.push_back(&sample);
    }
    std::sort(scheduled.begin(), scheduled.end(), [](const RemapSample* a, const RemapSample* b) {
        return a->device.entry.name < b->device.entry.name;
    });

    std::optional<std::string> chosen;
    std::int64_t chosen_due = 0;
    const auto count = static_cast<std::int64_t>(scheduled.size());
    for (std::int64_t k = 0; k < count; ++k) {
        const std::string& name = scheduled[static_cast<std::size_t>(k)]->device.entry.name;
        const std::int64_t every = config.for_device(name).scrub_every->count();
        std::int64_t when = 0;
        if (const auto last = last_scrub.find(name); last != last_scrub.end()) {
            when = last->second + every;
        } else {
            auto [entry, added] = first_due_.try_emplace(name, now + every * (k + 1) / (count + 1));
            when = entry->second;
        }
        if (when <= now && (!chosen || when < chosen_due)) {
            chosen = name;
            chosen_due = when;
        }
    }
    if (chosen)
        first_due_.erase(*chosen);
    return chosen;
}

}  // namespace dmremap::daemon
