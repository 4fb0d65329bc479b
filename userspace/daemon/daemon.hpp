#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config.hpp"
#include "logger.hpp"

namespace dmremap::daemon {

// What the command line asked for, besides the settings.
struct Invocation {
    std::vector<Setting> flag_settings;
    std::filesystem::path config_file = "/etc/dmremap/dmremapd.conf";
    bool config_file_given = false;  // then it must exist
    bool alert_test = false;
    std::string control_path = "/dev/mapper/control";
};

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// Runs the daemon until SIGTERM or SIGINT. Returns the exit status: 1 when
// it cannot start (device-mapper events, the listening address), 0 after a
// signal.
int run_daemon(const Invocation& invocation, Config config, Logger& log, const std::string& version);

}  // namespace dmremap::daemon
