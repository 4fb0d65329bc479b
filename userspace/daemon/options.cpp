#include "options.hpp"

#include <map>

#include <CLI/CLI.hpp>

namespace dmremap::daemon {

namespace {

struct FlagHelp {
    std::string_view key;
    const char* help;
};

constexpr FlagHelp setting_flags[] = {
    {"listen", "ADDRESS:PORT to serve /metrics and /healthz on (default 127.0.0.1:9748)"},
    {"rescan-interval", "re-read every device at least this often (default 60s)"},
    {"forecast-window", "remap rate window of the spare exhaustion forecast (default 24h)"},
    {"state-file", "where the forecast history is kept (default /var/lib/dmremap/dmremapd.state)"},
    {"alert-command", "command run (by /bin/sh -c) for each alert, details in DMREMAP_* variables"},
    {"alert-timeout", "kill the alert command after this long (default 30s)"},
    {"alert-reminder", "repeat alerts for conditions that persist: once, daily or diminishing (default once)"},
    {"spare-thresholds", "spare usage percentages that alert when crossed (default 50,75,90; none for no alert)"},
    {"forecast-warning", "alert when the forecast falls under this (default 30d)"},
    {"scrub-every", "start a scrub of each device this often (default off)"},
    {"scrub-rate", "scheduled scrub rate in MiB/s (default: the kernel's)"},
};

}  // namespace

Options parse_options(int argc, const char* const* argv, const std::string& version, std::ostream& out,
                      std::ostream& err)
{
    Options options;
    CLI::App app("dmremapd: watches dm-remap devices, serves Prometheus metrics and runs alerts", "dmremapd");
    app.set_version_flag("--version", "dmremapd " + version);
    std::map<std::string, std::string> values;
    std::map<std::string, CLI::Option*> flags;
    for (const FlagHelp& flag : setting_flags) {
        const std::string key(flag.key);
        flags[key] = app.add_option("--" + key, values[key], flag.help);
    }
    std::string config_file;
    CLI::Option* config_flag =
        app.add_option("--config", config_file, "config file (default /etc/dmremap/dmremapd.conf, if it exists)");
    app.add_flag("--alert-test", options.invocation.alert_test, "send a test alert for every device at start");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        options.exit_code = exit_ok;
        return options;
    } catch (const CLI::CallForVersion&) {
        out << "dmremapd " << version << "\n";
        options.exit_code = exit_ok;
        return options;
    } catch (const CLI::ParseError& error) {
        err << "dmremapd: " << error.what() << "\n";
        options.exit_code = exit_usage;
        return options;
    }

    for (const auto& [key, option] : flags) {
        if (option->count() > 0)
            options.invocation.flag_settings.push_back(Setting{key, values[key], "--" + key, {}});
    }
    if (config_flag->count() > 0) {
        options.invocation.config_file = config_file;
        options.invocation.config_file_given = true;
    }
    try {
        options.config = build_config(
            read_config_file(options.invocation.config_file, options.invocation.config_file_given),
            options.invocation.flag_settings);
    } catch (const ConfigError& error) {
        err << "dmremapd: " << error.what() << "\n";
        options.exit_code = exit_usage;
    }
    return options;
}

}  // namespace dmremap::daemon
