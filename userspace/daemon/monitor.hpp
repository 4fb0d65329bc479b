#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "alert_policy.hpp"
#include "alert_runner.hpp"
#include "config.hpp"
#include "dm_control.hpp"
#include "logger.hpp"
#include "metrics.hpp"
#include "remap_watcher.hpp"
#include "scrub_scheduler.hpp"
#include "state_file.hpp"

namespace dmremap::daemon {

// The daemon's view of its devices, shared by the event loop and the HTTP
// threads. Every reading goes through read_and_observe(), which holds one
// lock from the device-mapper calls to the alert decisions, so readings are
// observed in the order they were taken.
class Monitor {
public:
    Monitor(DmControl& dm, Logger& log, AlertRunner& alerts, Config config, DaemonState state,
            std::string version);

    void configure(Config config);

    // The watcher's changes: logs them, alerts for vanished devices, and
    // takes the new device list.
    void apply_changes(const std::vector<DeviceChange>& changes,
                       const std::vector<WatchedDevice>& devices, std::int64_t now);

    // Reads the devices named (all when names is empty), feeds the forecast
    // and the alert rules, and returns the readings.
    std::vector<RemapSample> read_and_observe(const std::vector<std::string>& names, std::int64_t now);

    // A scrape: reads every device and renders the exposition.
    std::string scrape(std::int64_t now);

    // The periodic work: reminders due and a scheduled scrub.
    void periodic(const std::vector<RemapSample>& samples, std::int64_t now);

    // Sends a test alert for every device (one without a device if none).
    void alert_test();

private:
    std::vector<RemapSample> read_locked(const std::vector<std::string>& names, std::int64_t now);
    void save_state_locked();

    std::mutex mutex_;
    DmControl* dm_;
    Logger* log_;
    AlertRunner* alerts_;
    Config config_;
    DaemonState state_;
    std::string version_;
    AlertPolicy policy_;
    ScrubScheduler scrubs_;
    std::vector<WatchedDevice> devices_;
    bool state_dirty_ = false;
    bool state_error_logged_ = false;
};

}  // namespace dmremap::daemon
