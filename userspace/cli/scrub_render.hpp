#pragma once

#include <ostream>

#include "render.hpp"
#include "scrub.hpp"

// `dmremap scrub <name> status`.
namespace dmremap::cli {

struct ScrubReport {
    ScrubStatus status;
    std::uint64_t nr_blocks = 0;
    ScrubProgress progress;
    double measured_seconds = 0;  // how long progress was watched, 0 for not
};

Json scrub_status_json(const DeviceId& id, const ScrubReport& report);
void write_scrub_status_text(std::ostream& out, const ScrubReport& report);

// 3725 -> "1:02:05"; a day or more -> "2d 03:00:00".
std::string format_duration(std::uint64_t seconds);

}  // namespace dmremap::cli
