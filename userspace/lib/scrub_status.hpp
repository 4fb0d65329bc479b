#pragma once

#include <cstdint>
#include <string_view>

namespace dmremap {

// The reply to the `scrub status` message.
struct ScrubStatus {
    bool running = false;
    std::uint64_t position = 0;  // the next block the scrub reads
    std::uint64_t found = 0;     // blocks with errors found so far
    std::uint64_t passes = 0;    // whole passes completed
    std::uint64_t rate = 0;      // MiB/s, 0 for unlimited

    bool operator==(const ScrubStatus&) const = default;
};

// `state=<idle|running> position=<n> found=<n> passes=<n> rate=<n>`, the
// keys in any order, unknown keys ignored (a newer kernel may add some).
// Throws ParseError naming the key that is missing or malformed.
ScrubStatus parse_scrub_status_reply(std::string_view reply);

}  // namespace dmremap
