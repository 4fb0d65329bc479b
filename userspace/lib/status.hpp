#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmremap {

// unloaded: the target's table has not been loaded (a new table between its
// swap and a resume that loads it, or after a resume that failed to load):
// the status's figures then describe no remap, not the device.
enum class MetadataState { ok, degraded, failed, unloaded };
enum class HealthState { ok, warning, critical, failed };

std::string_view to_string(MetadataState state);
std::string_view to_string(HealthState state);
std::optional<MetadataState> metadata_state_from_string(std::string_view word);
// Every metadata state's word, in order, comma-separated: for messages.
std::string metadata_state_names();
std::optional<HealthState> health_state_from_string(std::string_view word);

// The fields a remap target prints in `dmsetup status`, in the contract's order.
struct TargetStatus {
    std::uint32_t block_size = 0;     // bytes
    std::uint64_t remapped = 0;       // blocks remapped now
    std::uint64_t spare_total = 0;    // blocks in the spare pool
    std::uint64_t spare_free = 0;
    std::uint64_t read_errors = 0;    // main-device read errors seen
    std::uint64_t write_errors = 0;   // main-device write errors seen
    std::uint64_t auto_remaps = 0;    // remaps made on errors since load
    std::uint64_t lost_sectors = 0;   // sectors that read as errors until rewritten
    std::uint64_t metadata_seq = 0;   // sequence number of the newest durable metadata
    MetadataState metadata_state = MetadataState::ok;
    unsigned health_score = 0;        // 0 to 100
    HealthState health_state = HealthState::ok;
    // Fields a newer kernel prints after the twelve known ones, verbatim.
    std::vector<std::string> extra;

    bool operator==(const TargetStatus&) const = default;
};

inline constexpr std::array<std::string_view, 12> status_field_names = {
    "block_size",   "remapped",     "spare_total",    "spare_free",
    "read_errors",  "write_errors", "auto_remaps",    "lost_sectors",
    "metadata_seq", "metadata_state", "health_score", "health_state",
};

// Whether the status describes a loaded table: when not, its figures
// (remapped, spare_free, lost_sectors, metadata_seq, health) are not the
// device's and must not be compared with an earlier reading.
inline bool table_loaded(const TargetStatus& status)
{
    return status.metadata_state != MetadataState::unloaded;
}

// Parses the status params (the text after the target name). Throws
// ParseError naming the first field that is missing or malformed.
TargetStatus parse_status(std::string_view params);

}  // namespace dmremap
