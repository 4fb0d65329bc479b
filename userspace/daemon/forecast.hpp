#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace dmremap::daemon {

// The spare exhaustion forecast of one device: how long until its spare
// pool is empty if blocks keep being remapped at the rate of the window.
//
// The history keeps the time the device was first seen, the last count of
// used spare blocks, and per minute how many spare blocks were newly used
// (increases of spare_total - spare_free; a decrease, e.g. an unremap,
// counts nothing). With W the window, at time now:
//
//     R = blocks newly used in the minutes that end after now - W
//     S = now - max(first_seen, now - W), but at least one hour
//     forecast = spare_free * S / R   seconds   (absent when R = 0)
//
// Times are seconds since the epoch.
class SpareHistory {
public:
    // Records one reading. A different pool size means another device
    // under the same name: the history starts over.
    void observe(std::int64_t now, std::uint64_t spare_total, std::uint64_t spare_free);

    // The forecast in seconds, or nullopt without remaps in the window.
    std::optional<double> forecast(std::int64_t now, std::int64_t window) const;

    // Drops minutes that ended before now - window.
    void trim(std::int64_t now, std::int64_t window);

    bool empty() const noexcept { return first_seen_ == 0; }

    nlohmann::json to_json() const;
    // Throws nlohmann::json::exception on a malformed document.
    static SpareHistory from_json(const nlohmann::json& json);

    static constexpr std::int64_t minimum_span = 3600;

    bool operator==(const SpareHistory&) const = default;

private:
    struct Minute {
        std::int64_t start = 0;  // seconds, a multiple of 60
        std::uint64_t used = 0;  // spare blocks newly used in that minute

        bool operator==(const Minute&) const = default;
    };

    std::int64_t first_seen_ = 0;
    std::uint64_t spare_total_ = 0;
    std::uint64_t last_used_ = 0;
    std::uint64_t last_free_ = 0;
    std::vector<Minute> minutes_;
};

}  // namespace dmremap::daemon
