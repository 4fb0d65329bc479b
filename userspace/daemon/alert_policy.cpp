#include "alert_policy.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace dmremap::daemon {

namespace {

constexpr std::int64_t day = 24 * 3600;

unsigned spare_used_percent(const TargetStatus& status)
{
    if (status.spare_total == 0)
        return 100;
    const std::uint64_t used =
        status.spare_total >= status.spare_free ? status.spare_total - status.spare_free : 0;
    return static_cast<unsigned>(used * 100 / status.spare_total);
}

unsigned spare_level(unsigned percent, const std::vector<unsigned>& thresholds)
{
    unsigned level = 0;
    for (unsigned threshold : thresholds) {
        if (percent >= threshold)
            level = threshold;
    }
    return level;
}

std::string upper(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string forecast_text(double seconds)
{
    return format_duration(std::chrono::seconds(static_cast<std::int64_t>(std::floor(seconds))));
}

AlertEvent make_event(std::string event, const WatchedDevice& device)
{
    AlertEvent alert;
    alert.event = std::move(event);
    alert.device = device.entry.kernel_name();
    alert.name = device.entry.name;
    return alert;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> status_fields(const RemapSample& sample)
{
    const TargetStatus& s = sample.status;
    return {
        {"BLOCK_SIZE", std::to_string(s.block_size)},
        {"REMAPPED", std::to_string(s.remapped)},
        {"SPARE_TOTAL", std::to_string(s.spare_total)},
        {"SPARE_FREE", std::to_string(s.spare_free)},
        {"READ_ERRORS", std::to_string(s.read_errors)},
        {"WRITE_ERRORS", std::to_string(s.write_errors)},
        {"AUTO_REMAPS", std::to_string(s.auto_remaps)},
        {"LOST_SECTORS", std::to_string(s.lost_sectors)},
        {"METADATA_SEQ", std::to_string(s.metadata_seq)},
        {"METADATA_STATE", std::string(to_string(s.metadata_state))},
        {"HEALTH_SCORE", std::to_string(s.health_score)},
        {"HEALTH_STATE", std::string(to_string(s.health_state))},
        {"SPARE_USED_PERCENT", std::to_string(spare_used_percent(s))},
    };
}

std::vector<std::pair<std::string, std::string>> AlertEvent::environment() const
{
    std::vector<std::pair<std::string, std::string>> env = {
        {"DMREMAP_EVENT", event},       {"DMREMAP_DEVICE", device},
        {"DMREMAP_NAME", name},         {"DMREMAP_PREVIOUS", previous},
        {"DMREMAP_CURRENT", current},   {"DMREMAP_MESSAGE", message},
        {"DMREMAP_REMINDER", std::to_string(reminder)},
    };
    for (const auto& [field, value] : fields)
        env.emplace_back("DMREMAP_" + upper(field), value);
    return env;
}

std::string AlertEvent::log_line() const
{
    std::string line = "alert " + event;
    if (!name.empty())
        line += " " + name + " (" + device + ")";
    if (reminder != 0)
        line += " reminder " + std::to_string(reminder);
    line += ": " + message;
    return line;
}

std::optional<std::int64_t> AlertPolicy::next_reminder(ReminderPolicy policy, std::int64_t last_alert,
                                                       unsigned reminders)
{
    switch (policy) {
    case ReminderPolicy::once:
        return std::nullopt;
    case ReminderPolicy::daily:
        return last_alert + day;
    case ReminderPolicy::diminishing:
        return last_alert + (day << std::min(reminders, 20u));
    }
    return std::nullopt;
}

void AlertPolicy::raise(DeviceState& state, AlertEvent event, bool persists, std::int64_t now,
                        std::vector<AlertEvent>& out)
{
    if (persists)
        state.conditions[event.event] = Condition{event, now, 0};
    else
        clear(state, event.event);
    out.push_back(std::move(event));
}

void AlertPolicy::clear(DeviceState& state, const std::string& event)
{
    state.conditions.erase(event);
}

std::vector<AlertEvent> AlertPolicy::observe(const RemapSample& sample, std::optional<double> forecast,
                                             const DeviceSettings& settings, std::int64_t now)
{
    std::vector<AlertEvent> out;
    if (!sample.up)
        return out;
    const TargetStatus& status = sample.status;
    DeviceState& state = devices_[sample.device.entry.name];
    const bool first = !state.seen;
    const auto fields = status_fields(sample);
    const auto event = [&](std::string name) {
        AlertEvent alert = make_event(std::move(name), sample.device);
        alert.fields = fields;
        return alert;
    };

    if (state.conditions.contains("device_gone"))
        clear(state, "device_gone");

    // Health and metadata state: every change, and a bad state at first sight.
    const auto state_change = [&](const char* name, const std::string& what, std::string_view before,
                                  std::string_view after, bool bad, const std::string& detail) {
        if (first ? !bad : before == after)
            return;
        AlertEvent alert = event(name);
        alert.previous = first ? "" : std::string(before);
        alert.current = std::string(after);
        alert.message = (first ? what + " is " + alert.current
                               : what + " changed from " + alert.previous + " to " + alert.current) +
                        detail;
        raise(state, std::move(alert), bad, now, out);
    };
    state_change("health_state", "health state", to_string(state.health), to_string(status.health_state),
                 status.health_state != HealthState::ok,
                 " (score " + std::to_string(status.health_score) + ")");
    state.health = status.health_state;
    state_change("metadata_state", "metadata state", to_string(state.metadata),
                 to_string(status.metadata_state), status.metadata_state != MetadataState::ok, "");
    state.metadata = status.metadata_state;

    // Spare usage thresholds: alert when crossed upwards.
    const unsigned percent = spare_used_percent(status);
    const unsigned level = spare_level(percent, settings.spare_thresholds);
    if (level > state.spare_level) {
        AlertEvent alert = event("spare_threshold");
        alert.previous = std::to_string(state.spare_level);
        alert.current = std::to_string(level);
        alert.message = "spare usage " + std::to_string(percent) + "% crossed the " +
                        std::to_string(level) + "% threshold (" +
                        std::to_string(status.spare_total - std::min(status.spare_free, status.spare_total)) +
                        " of " + std::to_string(status.spare_total) + " spare blocks used)";
        raise(state, std::move(alert), true, now, out);
    } else if (level == 0) {
        clear(state, "spare_threshold");
    }
    state.spare_level = level;

    // New lost sectors: every increase.
    if (!first && status.lost_sectors > state.lost) {
        AlertEvent alert = event("lost_sectors");
        alert.previous = std::to_string(state.lost);
        alert.current = std::to_string(status.lost_sectors);
        alert.message = std::to_string(status.lost_sectors - state.lost) +
                        " new lost sectors (" + alert.current + " in all): their data is unreadable until rewritten";
        raise(state, std::move(alert), false, now, out);
    }
    state.lost = status.lost_sectors;

    // Forecast under the warning.
    const double warning = static_cast<double>(settings.forecast_warning.count());
    const bool low = forecast && *forecast < warning;
    if (low && !state.forecast_low) {
        AlertEvent alert = event("forecast");
        alert.previous = "";
        alert.current = std::to_string(static_cast<std::int64_t>(*forecast));
        alert.message = "spare pool forecast to run out in " + forecast_text(*forecast) +
                        " at the recent remap rate (warning under " +
                        format_duration(settings.forecast_warning) + ")";
        alert.fields.emplace_back("FORECAST_SECONDS", alert.current);
        raise(state, std::move(alert), true, now, out);
    } else if (!low) {
        clear(state, "forecast");
    }
    state.forecast_low = low;

    state.seen = true;
    return out;
}

std::vector<AlertEvent> AlertPolicy::gone(const WatchedDevice& device, std::int64_t now)
{
    std::vector<AlertEvent> out;
    DeviceState& state = devices_[device.entry.name];
    AlertEvent alert = make_event("device_gone", device);
    alert.previous = "present";
    alert.current = "gone";
    alert.message = "the device is gone (removed, or its table has no remap target any more)";
    raise(state, std::move(alert), true, now, out);
    return out;
}

void AlertPolicy::renamed(const std::string& old_name, const std::string& new_name)
{
    auto node = devices_.extract(old_name);
    if (node.empty())
        return;
    node.key() = new_name;
    devices_.erase(new_name);
    devices_.insert(std::move(node));
}

std::vector<AlertEvent> AlertPolicy::remind(std::int64_t now)
{
    std::vector<AlertEvent> out;
    for (auto& [name, state] : devices_) {
        for (auto& [event, condition] : state.conditions) {
            const auto due = next_reminder(policy_, condition.last_alert, condition.reminders);
            if (!due || now < *due)
                continue;
            ++condition.reminders;
            condition.last_alert = now;
            AlertEvent alert = condition.event;
            alert.reminder = condition.reminders;
            out.push_back(std::move(alert));
        }
    }
    return out;
}

}  // namespace dmremap::daemon
