#pragma once

#include <cstdint>
#include <optional>
#include <ostream>

#include "metadata_check.hpp"
#include "io.hpp"
#include "metadata_repair.hpp"
#include "render.hpp"

// How the metadata commands show a check and a repair: an indented report
// for people (on stderr) or one JSON document (on stdout). Nothing here
// touches a device.
namespace dmremap::cli {

// "copy 1, metadata block 3 (table block 2), byte 12300, field crc"
std::string describe_location(const metadata::Problem& problem);

void write_check_report_text(std::ostream& out, const metadata::CheckReport& report);
Json check_report_json(const metadata::CheckReport& report);
// "clean", "damaged", "no_metadata" or "unreadable", and its exit status.
std::string_view check_state(const metadata::CheckReport& report);
int check_exit_status(const metadata::CheckReport& report);
// The --json document of a check or repair that could not open the spare.
Json check_failure_json(const std::string& device, const std::string& message);

// What a repair did (or would do, or could not do). after is the check
// of the written metadata, when something was written.
struct RepairOutcome {
    bool written = false;
    bool forced = false;                 // --force was given
    std::optional<std::string> backup;  // where the overwritten areas went
    std::uint64_t remaps = 0;
    std::optional<metadata::CheckReport> after;
};
void write_repair_text(std::ostream& out, const metadata::CheckReport& before,
                       const metadata::RepairPlan& plan, const RepairOutcome& outcome);
Json repair_json(const metadata::CheckReport& before, const metadata::RepairPlan& plan,
                 const RepairOutcome& outcome);

}  // namespace dmremap::cli
