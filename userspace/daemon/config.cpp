#include "config.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "error.hpp"
#include "number_parse.hpp"
#include "tokens.hpp"

namespace dmremap::daemon {

namespace {

constexpr std::int64_t max_duration_seconds = 10LL * 366 * 24 * 3600;

std::string trim(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

// Names the setting in a message: the flag, or the file line and the key.
std::string context(const Setting& setting)
{
    if (setting.where.starts_with("--"))
        return setting.where;
    return setting.where + ": " + setting.key;
}

std::uint64_t number(const Setting& setting, std::uint64_t max)
{
    try {
        return parse_unsigned(setting.value, setting.key, max);
    } catch (const ParseError& error) {
        throw ConfigError(context(setting) + ": " + error.problem());
    }
}

std::vector<unsigned> parse_thresholds(const Setting& setting)
{
    std::vector<unsigned> thresholds;
    if (setting.value == "none" || setting.value.empty())
        return thresholds;
    std::string_view rest = setting.value;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string part = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        Setting one = setting;
        one.value = part;
        const auto value = static_cast<unsigned>(number(one, 100));
        if (value == 0)
            throw ConfigError(context(setting) + ": 0 is not a threshold (1 to 100)");
        thresholds.push_back(value);
    }
    std::sort(thresholds.begin(), thresholds.end());
    thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
    return thresholds;
}

void parse_listen(Config& config, const Setting& setting)
{
    const std::string& text = setting.value;
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw ConfigError(context(setting) + ": expected ADDRESS:PORT, got '" + text + "'");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string::npos)
        throw ConfigError(context(setting) + ": write an IPv6 address in brackets, e.g. [::1]:9748");
    Setting port = setting;
    port.key = "listen port";
    port.value = text.substr(colon + 1);
    const auto value = number(port, 65535);
    if (value == 0)
        throw ConfigError(context(setting) + ": port 0 is not a port");
    config.listen_host = host;
    config.listen_port = static_cast<std::uint16_t>(value);
}

ReminderPolicy parse_reminder(const Setting& setting)
{
    if (setting.value == "once")
        return ReminderPolicy::once;
    if (setting.value == "daily")
        return ReminderPolicy::daily;
    if (setting.value == "diminishing")
        return ReminderPolicy::diminishing;
    throw ConfigError(context(setting) + ": '" + setting.value +
                      "' is not one of once, daily, diminishing");
}

void apply_device(DeviceSettings& device, const Setting& setting)
{
    if (setting.key == "spare-thresholds") {
        device.spare_thresholds = parse_thresholds(setting);
    } else if (setting.key == "forecast-warning") {
        device.forecast_warning = parse_duration(setting.value, context(setting));
    } else if (setting.key == "scrub-every") {
        if (setting.value == "off" || setting.value == "0") {
            device.scrub_every.reset();
        } else {
            const auto every = parse_duration(setting.value, context(setting));
            if (every < std::chrono::minutes(1))
                throw ConfigError(context(setting) + ": at least 1m, or off");
            device.scrub_every = every;
        }
    } else if (setting.key == "scrub-rate") {
        device.scrub_rate = number(setting, 1'000'000);
    }
}

bool contains(const std::vector<std::string_view>& keys, std::string_view key)
{
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

std::string_view to_string(ReminderPolicy policy)
{
    switch (policy) {
    case ReminderPolicy::once:
        return "once";
    case ReminderPolicy::daily:
        return "daily";
    case ReminderPolicy::diminishing:
        return "diminishing";
    }
    return "once";
}

const DeviceSettings& Config::for_device(const std::string& name) const
{
    const auto found = devices.find(name);
    return found != devices.end() ? found->second : defaults;
}

std::string Config::listen() const
{
    const bool v6 = listen_host.find(':') != std::string::npos;
    return (v6 ? "[" + listen_host + "]" : listen_host) + ":" + std::to_string(listen_port);
}

const std::vector<std::string_view>& global_keys()
{
    static const std::vector<std::string_view> keys = {
        "listen",        "rescan-interval", "forecast-window", "state-file",
        "alert-command", "alert-timeout",   "alert-reminder",
    };
    return keys;
}

const std::vector<std::string_view>& device_keys()
{
    static const std::vector<std::string_view> keys = {
        "spare-thresholds", "forecast-warning", "scrub-every", "scrub-rate",
    };
    return keys;
}

std::chrono::seconds parse_duration(std::string_view text, const std::string& where)
{
    const std::string value = trim(text);
    std::size_t digits = 0;
    while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9')
        ++digits;
    const std::string unit = value.substr(digits);
    std::int64_t scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1;
    else if (unit == "m")
        scale = 60;
    else if (unit == "h")
        scale = 3600;
    else if (unit == "d")
        scale = 24 * 3600;
    else if (unit == "w")
        scale = 7 * 24 * 3600;
    if (digits == 0 || scale == 0)
        throw ConfigError(where + ": '" + value + "' is not a duration (e.g. 90s, 15m, 24h, 7d, 2w)");
    std::uint64_t count = 0;
    try {
        count = parse_unsigned(value.substr(0, digits), "duration",
                               static_cast<std::uint64_t>(max_duration_seconds / scale));
    } catch (const ParseError&) {
        throw ConfigError(where + ": '" + value + "' is longer than 10 years");
    }
    return std::chrono::seconds(static_cast<std::int64_t>(count) * scale);
}

std::string format_duration(std::chrono::seconds duration)
{
    std::int64_t left = duration.count();
    if (left <= 0)
        return "0s";
    const std::int64_t days = left / 86400, hours = left / 3600 % 24, minutes = left / 60 % 60,
                       seconds = left % 60;
    std::string out;
    const auto add = [&out](std::int64_t n, const char* unit) {
        if (n != 0)
            out += (out.empty() ? "" : " ") + std::to_string(n) + unit;
    };
    add(days, "d");
    add(hours, "h");
    if (days == 0)
        add(minutes, "m");
    if (days == 0 && hours == 0)
        add(seconds, "s");
    return out.empty() ? "0s" : out;
}

void apply(Config& config, const Setting& setting)
{
    if (!setting.device.empty()) {
        if (!contains(device_keys(), setting.key)) {
            throw ConfigError(setting.where + ": '" + setting.key +
                              "' cannot be set per device (only spare-thresholds, "
                              "forecast-warning, scrub-every, scrub-rate)");
        }
        auto [entry, added] = config.devices.try_emplace(setting.device, config.defaults);
        apply_device(entry->second, setting);
        return;
    }
    if (contains(device_keys(), setting.key)) {
        apply_device(config.defaults, setting);
        return;
    }
    if (setting.key == "listen") {
        parse_listen(config, setting);
    } else if (setting.key == "rescan-interval") {
        config.rescan_interval = parse_duration(setting.value, context(setting));
        if (config.rescan_interval.count() == 0)
            throw ConfigError(context(setting) + ": at least 1s");
    } else if (setting.key == "forecast-window") {
        config.forecast_window = parse_duration(setting.value, context(setting));
        if (config.forecast_window < std::chrono::hours(1))
            throw ConfigError(context(setting) + ": at least 1h");
    } else if (setting.key == "state-file") {
        if (setting.value.empty())
            throw ConfigError(context(setting) + ": empty path");
        config.state_file = setting.value;
    } else if (setting.key == "alert-command") {
        config.alert_command = setting.value;
    } else if (setting.key == "alert-timeout") {
        config.alert_timeout = parse_duration(setting.value, context(setting));
        if (config.alert_timeout.count() == 0)
            throw ConfigError(context(setting) + ": at least 1s");
    } else if (setting.key == "alert-reminder") {
        config.alert_reminder = parse_reminder(setting);
    } else {
        throw ConfigError(setting.where + ": unknown key '" + setting.key + "'");
    }
}

std::vector<Setting> parse_config_text(std::string_view text, const std::string& file_name)
{
    std::vector<Setting> settings;
    std::string device;
    std::set<std::string> sections;
    std::size_t line_number = 0;
    for (std::string_view raw : split_lines(text)) {
        ++line_number;
        const std::string where = file_name + ":" + std::to_string(line_number);
        const std::string line = trim(raw);
        if (line.empty() || line.front() == '#')
            continue;
        if (line.front() == '[') {
            if (line.back() != ']')
                throw ConfigError(where + ": a section is written [device NAME]");
            const std::vector<std::string_view> words =
                split_words(std::string_view(line).substr(1, line.size() - 2));
            if (words.size() != 2 || words[0] != "device")
                throw ConfigError(where + ": a section is written [device NAME]");
            device = std::string(words[1]);
            if (!sections.insert(device).second)
                throw ConfigError(where + ": a second [device " + device + "] section");
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string::npos)
            throw ConfigError(where + ": expected key = value, got '" + line + "'");
        Setting setting{trim(std::string_view(line).substr(0, equals)),
                        trim(std::string_view(line).substr(equals + 1)), where, device};
        if (setting.key.empty())
            throw ConfigError(where + ": a key is missing before '='");
        if (!contains(global_keys(), setting.key) && !contains(device_keys(), setting.key))
            throw ConfigError(where + ": unknown key '" + setting.key + "'");
        settings.push_back(std::move(setting));
    }
    return settings;
}

std::vector<Setting> read_config_file(const std::filesystem::path& path, bool required)
{
    std::ifstream in(path);
    if (!in) {
        std::error_code error;
        if (!required && !std::filesystem::exists(path, error))
            return {};
        throw ConfigError(path.string() + ": cannot read the config file: " + errno_text(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config_text(text.str(), path.string());
}

Config build_config(const std::vector<Setting>& file, const std::vector<Setting>& flags)
{
    Config config;
    // Global settings first, so that every [device] section starts from the
    // final defaults, whatever the order of the file; the flags' device
    // defaults then reach the sections too.
    for (const auto* list : {&file, &flags}) {
        for (const Setting& setting : *list) {
            if (setting.device.empty())
                apply(config, setting);
        }
    }
    for (const Setting& setting : file) {
        if (!setting.device.empty())
            apply(config, setting);
    }
    return config;
}

}  // namespace dmremap::daemon
