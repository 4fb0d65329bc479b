#include "config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "options.hpp"
#include "temp_dir.hpp"

namespace dmremap::daemon {
namespace {

using testing::HasSubstr;

std::string config_error(std::string_view text)
{
    try {
        build_config(parse_config_text(text, "test.conf"), {});
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

TEST(Config, Defaults)
{
    const Config config = build_config({}, {});
    EXPECT_EQ(config.listen(), "127.0.0.1:9748");
    EXPECT_EQ(config.rescan_interval, std::chrono::seconds(60));
    EXPECT_EQ(config.forecast_window, std::chrono::hours(24));
    EXPECT_EQ(config.defaults.spare_thresholds, (std::vector<unsigned>{50, 75, 90}));
    EXPECT_EQ(config.defaults.forecast_warning, std::chrono::hours(24 * 30));
    EXPECT_FALSE(config.defaults.scrub_every);
    EXPECT_EQ(config.alert_reminder, ReminderPolicy::once);
    EXPECT_EQ(config.state_file, "/var/lib/dmremap/dmremapd.state");
}

TEST(Config, FileWithSectionsAndComments)
{
    const Config config = build_config(parse_config_text(R"(
# global
listen = [::1]:9100
spare-thresholds = 90, 60
alert-command = /usr/local/bin/page "dm remap"
alert-reminder = diminishing
scrub-every = 7d

[device data]
scrub-rate = 2
forecast-warning = 2w
[device other]
scrub-every = off
)",
                                                         "x.conf"),
                                       {});
    EXPECT_EQ(config.listen_host, "::1");
    EXPECT_EQ(config.listen(), "[::1]:9100");
    EXPECT_EQ(config.defaults.spare_thresholds, (std::vector<unsigned>{60, 90}));
    EXPECT_EQ(config.alert_command, "/usr/local/bin/page \"dm remap\"");
    EXPECT_EQ(config.alert_reminder, ReminderPolicy::diminishing);
    const DeviceSettings& data = config.for_device("data");
    EXPECT_EQ(data.scrub_rate, 2u);
    EXPECT_EQ(data.forecast_warning, std::chrono::hours(24 * 14));
    EXPECT_EQ(data.scrub_every, std::chrono::hours(24 * 7));  // from the global default
    EXPECT_EQ(data.spare_thresholds, (std::vector<unsigned>{60, 90}));
    EXPECT_FALSE(config.for_device("other").scrub_every);
    EXPECT_EQ(config.for_device("unlisted").scrub_every, std::chrono::hours(24 * 7));
}

TEST(Config, FlagsOverTheFile)
{
    const std::vector<Setting> flags = {{"listen", "0.0.0.0:1234", "--listen", {}},
                                        {"spare-thresholds", "80", "--spare-thresholds", {}}};
    const Config config = build_config(parse_config_text("listen = 127.0.0.1:1\n[device d]\nscrub-rate = 1\n", "f"), flags);
    EXPECT_EQ(config.listen(), "0.0.0.0:1234");
    EXPECT_EQ(config.for_device("d").spare_thresholds, (std::vector<unsigned>{80}));
}

TEST(Config, BadInputNamesTheLine)
{
    EXPECT_EQ(config_error("\n\nnonsense\n"), "test.conf:3: expected key = value, got 'nonsense'");
    EXPECT_EQ(config_error("bogus = 1"), "test.conf:1: unknown key 'bogus'");
    EXPECT_EQ(config_error(" = 1"), "test.conf:1: a key is missing before '='");
    EXPECT_THAT(config_error("[device]"), HasSubstr("test.conf:1: a section is written [device NAME]"));
    EXPECT_THAT(config_error("[pool x]"), HasSubstr("test.conf:1: a section is written"));
    EXPECT_THAT(config_error("[device x"), HasSubstr("test.conf:1: a section"));
    EXPECT_EQ(config_error("[device x]\n[device x]"), "test.conf:2: a second [device x] section");
    EXPECT_THAT(config_error("[device x]\nlisten = 1.2.3.4:5"), HasSubstr("test.conf:2: 'listen' cannot be set per device"));
    EXPECT_EQ(config_error("listen = nowhere"), "test.conf:1: listen: expected ADDRESS:PORT, got 'nowhere'");
    EXPECT_EQ(config_error("listen = ::1:80"), "test.conf:1: listen: write an IPv6 address in brackets, e.g. [::1]:9748");
    EXPECT_THAT(config_error("listen = 1.2.3.4:70000"), HasSubstr("test.conf:1: listen"));
    EXPECT_EQ(config_error("listen = 1.2.3.4:0"), "test.conf:1: listen: port 0 is not a port");
    EXPECT_EQ(config_error("rescan-interval = 5y"),
              "test.conf:1: rescan-interval: '5y' is not a duration (e.g. 90s, 15m, 24h, 7d, 2w)");
    EXPECT_EQ(config_error("rescan-interval = 0"), "test.conf:1: rescan-interval: at least 1s");
    EXPECT_EQ(config_error("forecast-window = 30m"), "test.conf:1: forecast-window: at least 1h");
    EXPECT_EQ(config_error("scrub-every = 30s"), "test.conf:1: scrub-every: at least 1m, or off");
    EXPECT_THAT(config_error("scrub-every = 99999w"), HasSubstr("longer than 10 years"));
    EXPECT_EQ(config_error("spare-thresholds = 50,0"), "test.conf:1: spare-thresholds: 0 is not a threshold (1 to 100)");
    EXPECT_THAT(config_error("spare-thresholds = 50,101"), HasSubstr("test.conf:1: spare-thresholds"));
    EXPECT_THAT(config_error("spare-thresholds = 50,,75"), HasSubstr("test.conf:1: spare-thresholds"));
    EXPECT_EQ(config_error("alert-reminder = weekly"),
              "test.conf:1: alert-reminder: 'weekly' is not one of once, daily, diminishing");
    EXPECT_EQ(config_error("state-file ="), "test.conf:1: state-file: empty path");
    EXPECT_THAT(config_error("scrub-rate = -1"), HasSubstr("test.conf:1: scrub-rate"));
}

TEST(Config, NoThresholds)
{
    EXPECT_TRUE(build_config(parse_config_text("spare-thresholds = none", "f"), {}).defaults.spare_thresholds.empty());
}

TEST(Config, Durations)
{
    EXPECT_EQ(parse_duration("90", "x"), std::chrono::seconds(90));
    EXPECT_EQ(parse_duration("15m", "x"), std::chrono::minutes(15));
    EXPECT_EQ(parse_duration("2w", "x"), std::chrono::hours(24 * 14));
    EXPECT_THROW(parse_duration("", "x"), ConfigError);
    EXPECT_THROW(parse_duration("h", "x"), ConfigError);
    EXPECT_THROW(parse_duration("1.5h", "x"), ConfigError);
    EXPECT_EQ(format_duration(std::chrono::seconds(0)), "0s");
    EXPECT_EQ(format_duration(std::chrono::seconds(3 * 86400 + 7200 + 60)), "3d 2h");
    EXPECT_EQ(format_duration(std::chrono::seconds(3725)), "1h 2m");
    EXPECT_EQ(format_duration(std::chrono::seconds(59)), "59s");
}

struct Parsed {
    Options options;
    std::string out, err;
};

Parsed parse(std::vector<const char*> args)
{
    args.insert(args.begin(), "dmremapd");
    std::ostringstream out, err;
    Parsed parsed{parse_options(static_cast<int>(args.size()), args.data(), "9.9.9", out, err), {}, {}};
    parsed.out = out.str();
    parsed.err = err.str();
    return parsed;
}

TEST(Options, VersionAndHelp)
{
    const Parsed version = parse({"--version"});
    EXPECT_EQ(version.options.exit_code, 0);
    EXPECT_EQ(version.out, "dmremapd 9.9.9\n");
    const Parsed help = parse({"--help"});
    EXPECT_EQ(help.options.exit_code, 0);
    EXPECT_THAT(help.out, HasSubstr("--alert-command"));
}

TEST(Options, BadFlagsExitTwoWithAMessage)
{
    const Parsed unknown = parse({"--config", "/nonexistent", "--bogus"});
    EXPECT_EQ(unknown.options.exit_code, 2);
    EXPECT_THAT(unknown.err, HasSubstr("dmremapd: "));
    EXPECT_THAT(unknown.err, HasSubstr("--bogus"));
    const Parsed bad_value = parse({"--config", "/dev/null", "--scrub-every", "often"});
    EXPECT_EQ(bad_value.options.exit_code, 2);
    EXPECT_THAT(bad_value.err, HasSubstr("dmremapd: --scrub-every: 'often' is not a duration"));
}

TEST(Options, ConfigFileGivenMustExist)
{
    const Parsed missing = parse({"--config", "/nonexistent/dmremapd.conf"});
    EXPECT_EQ(missing.options.exit_code, 2);
    EXPECT_THAT(missing.err, HasSubstr("/nonexistent/dmremapd.conf: cannot read the config file"));
}

TEST(Options, FlagsAndFile)
{
    testing_support::TempDir dir;
    const std::string path = (dir.path() / "d.conf").string();
    std::ofstream(path) << "alert-timeout = 5s\nscrub-every = 1d\n";
    const Parsed parsed = parse({"--config", path.c_str(), "--scrub-every", "2d", "--alert-test"});
    ASSERT_EQ(parsed.options.exit_code, -1) << parsed.err;
    EXPECT_TRUE(parsed.options.invocation.alert_test);
    EXPECT_EQ(parsed.options.config.alert_timeout, std::chrono::seconds(5));
    EXPECT_EQ(parsed.options.config.defaults.scrub_every, std::chrono::hours(48));

    std::ofstream(path) << "alert-timeout = 5s\n\nwhat\n";
    const Parsed bad = parse({"--config", path.c_str()});
    EXPECT_EQ(bad.options.exit_code, 2);
    EXPECT_EQ(bad.err, "dmremapd: " + path + ":3: expected key = value, got 'what'\n");
}

}  // namespace
}  // namespace dmremap::daemon
