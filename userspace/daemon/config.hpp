#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dmremap::daemon {

// How often an alert for a condition that persists is repeated (smartd's -M).
enum class ReminderPolicy {
    once,         // never
    daily,        // every 24 h
    diminishing,  // after 1 day, then 2, 4, 8... days
};

std::string_view to_string(ReminderPolicy policy);

// What a [device NAME] section of the config file can change.
struct DeviceSettings {
    std::vector<unsigned> spare_thresholds{50, 75, 90};  // percent of the pool used
    std::chrono::seconds forecast_warning{30 * 24 * 3600};
    std::optional<std::chrono::seconds> scrub_every;     // off when absent
    std::uint64_t scrub_rate = 0;                        // MiB/s, 0 for the kernel's default

    bool operator==(const DeviceSettings&) const = default;
};

struct Config {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 9748;
    std::chrono::seconds rescan_interval{60};
    std::chrono::seconds forecast_window{24 * 3600};
    std::filesystem::path state_file = "/var/lib/dmremap/dmremapd.state";
    std::string alert_command;  // empty: no command, alerts are only logged
    std::chrono::seconds alert_timeout{30};
    ReminderPolicy alert_reminder = ReminderPolicy::once;
    DeviceSettings defaults;
    std::map<std::string, DeviceSettings> devices;  // by dm name

    const DeviceSettings& for_device(const std::string& name) const;
    std::string listen() const;

    bool operator==(const Config&) const = default;
};

// A bad flag, key or value. where() names the flag or the file and line.
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

// One key = value setting, from the command line or the config file.
struct Setting {
    std::string key;
    std::string value;
    std::string where;  // "--scrub-rate" or "/etc/dmremap/dmremapd.conf:12"
    std::string device;  // the [device NAME] section it is in; empty for global
};

// The keys every place accepts; the device keys are also allowed in
// [device NAME] sections.
const std::vector<std::string_view>& global_keys();
const std::vector<std::string_view>& device_keys();

// Applies one setting. Throws ConfigError "<where>: <problem>".
void apply(Config& config, const Setting& setting);

// Reads a config file: `key = value` lines, `# comments`, blank lines and
// `[device NAME]` sections. Throws ConfigError naming the line.
std::vector<Setting> parse_config_text(std::string_view text, const std::string& file_name);
// The file's settings; an absent file gives none when it is not required.
std::vector<Setting> read_config_file(const std::filesystem::path& path, bool required);

// Builds a Config: defaults, then the file's settings, then the flags'.
Config build_config(const std::vector<Setting>& file, const std::vector<Setting>& flags);

// "90s", "15m", "24h", "7d", "2w" or plain seconds. Throws ConfigError.
std::chrono::seconds parse_duration(std::string_view text, const std::string& where);
// "4h 3m" style text for messages.
std::string format_duration(std::chrono::seconds duration);

}  // namespace dmremap::daemon
