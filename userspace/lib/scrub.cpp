#include "scrub.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.hpp"
#include "number_parse.hpp"
#include "tokens.hpp"

namespace dmremap {

namespace {

constexpr std::string_view context = "scrub status reply";

double percent(std::uint64_t position, std::uint64_t nr_blocks)
{
    if (nr_blocks == 0)
        return 0;
    const double ratio = static_cast<double>(std::min(position, nr_blocks)) / static_cast<double>(nr_blocks);
    return ratio * 100.0;
}

std::uint64_t blocks_left(const ScrubStatus& status, std::uint64_t nr_blocks)
{
    return status.position < nr_blocks ? nr_blocks - status.position : 0;
}

}  // namespace

std::string_view to_string(ScrubProgress::Basis basis)
{
    switch (basis) {
    case ScrubProgress::Basis::rate:
        return "rate";
    case ScrubProgress::Basis::measured:
        return "measured";
    case ScrubProgress::Basis::none:
        break;
    }
    return "none";
}

ScrubStatus parse_scrub_status_reply(std::string_view reply)
{
    ScrubStatus status;
    bool have_state = false, have_position = false, have_found = false, have_passes = false,
         have_rate = false;
    for (std::string_view word : split_words(reply)) {
        const std::size_t equals = word.find('=');
        if (equals == std::string_view::npos || equals == 0)
            throw ParseError(std::string(context), "expected key=value, got '" + std::string(word) + "'");
        const std::string_view key = word.substr(0, equals);
        const std::string_view value = word.substr(equals + 1);
        const std::string where = std::string(context) + " key '" + std::string(key) + "'";
        if (key == "state") {
            if (value != "running" && value != "idle")
                throw ParseError(where, "'" + std::string(value) + "' is not idle or running");
            status.running = value == "running";
            have_state = true;
        } else if (key == "position") {
            status.position = parse_unsigned(value, where);
            have_position = true;
        } else if (key == "found") {
            status.found = parse_unsigned(value, where);
            have_found = true;
        } else if (key == "passes") {
            status.passes = parse_unsigned(value, where);
            have_passes = true;
        } else if (key == "rate") {
            status.rate = static_cast<unsigned>(parse_unsigned(value, where, scrub_max_rate));
            have_rate = true;
        }
    }
    const std::pair<bool, std::string_view> required[] = {{have_state, "state"},
                                                         {have_position, "position"},
                                                         {have_found, "found"},
                                                         {have_passes, "passes"},
                                                         {have_rate, "rate"}};
    for (const auto& [present, key] : required) {
        if (!present)
            throw ParseError(std::string(context), "key '" + std::string(key) + "' is missing");
    }
    return status;
}

ScrubProgress scrub_progress(const ScrubStatus& status, std::uint64_t nr_blocks,
                             std::uint32_t block_size)
{
    ScrubProgress progress;
    progress.percent_done = percent(status.position, nr_blocks);
    if (!status.running || status.rate == 0)
        return progress;
    const double bytes = static_cast<double>(blocks_left(status, nr_blocks)) * block_size;
    const double bytes_per_second = static_cast<double>(status.rate) * 1024 * 1024;
    progress.seconds_left = static_cast<std::uint64_t>(std::ceil(bytes / bytes_per_second));
    progress.basis = ScrubProgress::Basis::rate;
    return progress;
}

ScrubProgress scrub_progress_measured(const ScrubStatus& before, const ScrubStatus& after,
                                      double elapsed_seconds, std::uint64_t nr_blocks,
                                      std::uint32_t block_size)
{
    const bool same_run = before.running && after.running && after.passes == before.passes &&
                          after.position >= before.position && elapsed_seconds > 0;
    if (!same_run)
        return scrub_progress(after, nr_blocks, block_size);
    ScrubProgress progress;
    progress.percent_done = percent(after.position, nr_blocks);
    const std::uint64_t moved = after.position - before.position;
    if (moved == 0)
        return progress;  // stalled, or too short a look: no honest estimate
    const double blocks_per_second = static_cast<double>(moved) / elapsed_seconds;
    progress.seconds_left = static_cast<std::uint64_t>(
        std::ceil(static_cast<double>(blocks_left(after, nr_blocks)) / blocks_per_second));
    progress.basis = ScrubProgress::Basis::measured;
    return progress;
}

}  // namespace dmremap
