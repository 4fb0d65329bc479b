#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

// The background scrub of the main device: its status reply, and how far
// along a pass is.
namespace dmremap {

inline constexpr unsigned scrub_min_rate = 1;       // MiB/s
inline constexpr unsigned scrub_max_rate = 10000;   // MiB/s
inline constexpr unsigned scrub_default_rate = 32;  // MiB/s, when start gives none

// The reply to `scrub status`.
struct ScrubStatus {
    bool running = false;
    std::uint64_t position = 0;  // next block to read
    std::uint64_t found = 0;     // blocks found failing
    std::uint64_t passes = 0;    // passes completed
    unsigned rate = 0;           // MiB/s

    bool operator==(const ScrubStatus&) const = default;
};

// `state=<idle|running> position=<block> found=<n> passes=<n> rate=<MiB/s>`,
// the keys in any order, more allowed. Throws ParseError.
ScrubStatus parse_scrub_status_reply(std::string_view reply);

// How far the current pass is, and how long the rest should take.
struct ScrubProgress {
    enum class Basis {
        none,      // idle, or no progress seen while measuring: no estimate
        rate,      // the rest of the pass at the scrub's rate
        measured,  // the rest of the pass at the rate position moved while measured
    };
    double percent_done = 0;  // position / blocks of the device, 0 to 100
    std::optional<std::uint64_t> seconds_left;
    Basis basis = Basis::none;
};

std::string_view to_string(ScrubProgress::Basis basis);

// From one status: the blocks left times block_size at the scrub's rate.
// The scrub never reads faster than its rate (it waits longer while other
// I/O is in flight), so this is the shortest time the rest can take.
ScrubProgress scrub_progress(const ScrubStatus& status, std::uint64_t nr_blocks,
                             std::uint32_t block_size);

// From two statuses taken elapsed_seconds apart: the blocks left at the pace
// position moved. When the pass ended or the scrub stopped in between, or
// position did not move, it falls back to scrub_progress() of after (or to
// no estimate when position did not move).
ScrubProgress scrub_progress_measured(const ScrubStatus& before, const ScrubStatus& after,
                                      double elapsed_seconds, std::uint64_t nr_blocks,
                                      std::uint32_t block_size);

}  // namespace dmremap
