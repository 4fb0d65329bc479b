#include "scrub_scheduler.hpp"

#include <gtest/gtest.h>

namespace dmremap::daemon {
namespace {

constexpr std::int64_t day = 24 * 3600;
constexpr std::int64_t t0 = 1'700'000'000;

RemapSample device(std::string name, bool running = false)
{
    RemapSample s;
    s.device.entry = DeviceEntry{std::move(name), 253, 0};
    s.up = true;
    s.scrub = ScrubStatus{running, 0, 0, 0, 0};
    return s;
}

Config weekly()
{
    Config config;
    config.defaults.scrub_every = std::chrono::seconds(7 * day);
    return config;
}

TEST(ScrubScheduler, OffByDefault)
{
    ScrubScheduler scheduler;
    EXPECT_FALSE(scheduler.due({device("a")}, Config{}, {}, t0 + 100 * day));
}

TEST(ScrubScheduler, StaggersDevicesWithoutHistory)
{
    ScrubScheduler scheduler;
    const std::vector<RemapSample> devices = {device("a"), device("b")};
    std::map<std::string, std::int64_t> last;
    EXPECT_FALSE(scheduler.due(devices, weekly(), last, t0));
    // a at 1/3 of the week, b at 2/3.
    EXPECT_FALSE(scheduler.due(devices, weekly(), last, t0 + 7 * day / 3 - 1));
    EXPECT_EQ(scheduler.due(devices, weekly(), last, t0 + 7 * day / 3), "a");
    last["a"] = t0 + 7 * day / 3;
    EXPECT_FALSE(scheduler.due(devices, weekly(), last, t0 + 14 * day / 3 - 1));
    EXPECT_EQ(scheduler.due(devices, weekly(), last, t0 + 14 * day / 3), "b");
    last["b"] = t0 + 14 * day / 3;
    EXPECT_EQ(scheduler.due(devices, weekly(), last, t0 + 7 * day / 3 + 7 * day), "a");
}

TEST(ScrubScheduler, NeverWhileAScrubRuns)
{
    ScrubScheduler scheduler;
    std::map<std::string, std::int64_t> last = {{"a", t0 - 30 * day}};
    EXPECT_FALSE(scheduler.due({device("a"), device("b", true)}, weekly(), last, t0));
    EXPECT_EQ(scheduler.due({device("a"), device("b")}, weekly(), last, t0), "a");
}

TEST(ScrubScheduler, PerDeviceSettingAndOldModules)
{
    Config config;
    config.devices["b"].scrub_every = std::chrono::seconds(day);
    ScrubScheduler scheduler;
    std::map<std::string, std::int64_t> last = {{"a", t0 - 30 * day}, {"b", t0 - 2 * day}};
    EXPECT_EQ(scheduler.due({device("a"), device("b")}, config, last, t0), "b");
    RemapSample old = device("b");
    old.scrub.reset();  // no scrub status: a module without scrub
    EXPECT_FALSE(scheduler.due({old}, config, last, t0));
}

}  // namespace
}  // namespace dmremap::daemon
