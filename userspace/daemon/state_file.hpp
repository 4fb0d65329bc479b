#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "forecast.hpp"

namespace dmremap::daemon {

// What the daemon keeps across restarts, per dm name: the spare history of
// the forecast and when it last started a scheduled scrub. Stored as JSON
// ({"schema": 1, "devices": {...}}), replaced atomically (write, fsync,
// rename).
struct DaemonState {
    std::map<std::string, SpareHistory> spare;
    std::map<std::string, std::int64_t> last_scrub;  // seconds since the epoch

    // Reads path; an absent file gives an empty state. Throws
    // std::runtime_error naming the file when it exists but cannot be read
    // or parsed.
    static DaemonState load(const std::filesystem::path& path);
    // Throws std::runtime_error naming the file and the reason.
    void save(const std::filesystem::path& path) const;
};

}  // namespace dmremap::daemon
