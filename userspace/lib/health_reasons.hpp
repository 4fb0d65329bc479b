#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replies.hpp"

namespace dmremap {

// One reason word of the `health` reply, with the figure behind it and the
// points it cost, as docs/health.md defines them.
struct HealthReason {
    std::string reason;                 // e.g. "remapped_blocks"
    std::string figure;                 // the reply key it comes from, "" when unknown
    std::optional<std::string> value;   // that key's value in the reply
    std::optional<unsigned> penalty;    // points off 100; unknown for words this version lacks
    std::string description;            // for people: "2 blocks remapped"

    bool operator==(const HealthReason&) const = default;
};

// The reply's figures, typed. Keys a newer kernel adds stay in extra.
struct HealthFigures {
    unsigned score = 0;
    HealthState state = HealthState::ok;
    std::uint64_t remapped = 0;
    std::uint64_t lost_sectors = 0;
    std::uint64_t spare_used_pct = 0;
    std::uint64_t remaps_last_hour = 0;
    // nullopt when the kernel says -1: no automatic remap in the last hour.
    std::optional<std::uint64_t> spare_exhaustion_seconds;
    std::uint64_t spare_errors = 0;
    std::string metadata_state;
    std::vector<HealthReason> reasons;  // in the kernel's order; empty for "none"
    std::vector<KeyValues::Item> extra;

    bool operator==(const HealthFigures&) const = default;
};

// Reads the figures of a parsed `health` reply. Throws ParseError naming a
// key that is missing or malformed.
HealthFigures health_figures(const HealthReport& report);

// The penalty docs/health.md gives a count of remapped blocks and of lost
// sectors (0 for none).
unsigned remapped_blocks_penalty(std::uint64_t remapped);
unsigned lost_sectors_penalty(std::uint64_t lost_sectors);

}  // namespace dmremap
