#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config.hpp"
#include "remap_sample.hpp"

namespace dmremap::daemon {

// One alert: what the log line says and what the alert command gets in its
// environment (DMREMAP_EVENT, DMREMAP_DEVICE, ...; see docs/monitoring.md).
struct AlertEvent {
    std::string event;  // health_state, spare_threshold, lost_sectors,
                        // metadata_state, device_gone, forecast, test
    std::string device;  // dm-N
    std::string name;    // dm name
    std::string previous;
    std::string current;
    std::string message;
    unsigned reminder = 0;  // 0 for the first alert, n for the n-th reminder
    // Status fields of the last reading, as (FIELD, value): DMREMAP_FIELD.
    std::vector<std::pair<std::string, std::string>> fields;

    // The environment variables for the alert command, in a fixed order.
    std::vector<std::pair<std::string, std::string>> environment() const;
    // The log line.
    std::string log_line() const;
};

// Decides which readings make alerts. Pure state, no I/O, so that the
// rules can be tested with synthetic readings. Keyed by dm name: a device
// that vanishes and comes back under its name keeps its state.
//
// A change of the health or metadata state, a spare-usage threshold
// crossed upwards, more lost sectors than before, a forecast that falls
// under the warning and a device that vanished each make one event. The
// first reading of a device alerts for what is already wrong (state not
// ok, thresholds already crossed, a low forecast) but not for lost sectors.
// Conditions that persist (health or metadata state not ok, a threshold
// crossed, a low forecast, a device gone) are reminded of by remind()
// according to the policy, and forgotten when they clear, so that they
// alert again when they come back.
class AlertPolicy {
public:
    explicit AlertPolicy(ReminderPolicy policy) : policy_(policy) {}

    void set_policy(ReminderPolicy policy) { policy_ = policy; }

    // A reading that was read and parsed (sample.up); others are ignored.
    std::vector<AlertEvent> observe(const RemapSample& sample, std::optional<double> forecast,
                                    const DeviceSettings& settings, std::int64_t now);
    std::vector<AlertEvent> gone(const WatchedDevice& device, std::int64_t now);
    void renamed(const std::string& old_name, const std::string& new_name);
    // Reminders due at now.
    std::vector<AlertEvent> remind(std::int64_t now);

    // When the next reminder of a condition raised at raised_at and
    // reminded `reminders` times is due; nullopt for never.
    static std::optional<std::int64_t> next_reminder(ReminderPolicy policy, std::int64_t last_alert,
                                                     unsigned reminders);

private:
    struct Condition {
        AlertEvent event;
        std::int64_t last_alert = 0;
        unsigned reminders = 0;
    };
    struct DeviceState {
        bool seen = false;
        HealthState health = HealthState::ok;
        MetadataState metadata = MetadataState::ok;
        unsigned spare_level = 0;  // the highest threshold crossed, 0 for none
        std::uint64_t lost = 0;
        bool forecast_low = false;
        std::map<std::string, Condition> conditions;  // by event name
    };

    void raise(DeviceState& state, AlertEvent event, bool persists, std::int64_t now,
               std::vector<AlertEvent>& out);
    static void clear(DeviceState& state, const std::string& event);

    ReminderPolicy policy_;
    std::map<std::string, DeviceState> devices_;
};

// The status fields of a sample as (FIELD, value) pairs for the environment.
std::vector<std::pair<std::string, std::string>> status_fields(const RemapSample& sample);

}  // namespace dmremap::daemon
