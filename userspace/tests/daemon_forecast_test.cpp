#include "forecast.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "state_file.hpp"
#include "temp_dir.hpp"

namespace dmremap::daemon {
namespace {

constexpr std::int64_t hour = 3600;
constexpr std::int64_t day = 24 * hour;
constexpr std::int64_t t0 = 1'699'999'980;  // a multiple of 60

TEST(Forecast, AbsentWithoutRemaps)
{
    SpareHistory history;
    EXPECT_FALSE(history.forecast(t0, day));
    history.observe(t0, 1000, 900);  // 100 used before the daemon came
    EXPECT_FALSE(history.forecast(t0 + hour, day));
    history.observe(t0 + 2 * hour, 1000, 900);
    EXPECT_FALSE(history.forecast(t0 + 2 * hour, day));
}

TEST(Forecast, SteadyRateOverAFullWindow)
{
    // 1000 spare blocks, 2 a day used over three days: at day 3, the window
    // holds 2 new blocks in 24 h, 994 left: 497 days.
    SpareHistory history;
    history.observe(t0, 1000, 1000);
    for (std::uint64_t d = 1; d <= 3; ++d) {
        history.observe(t0 + static_cast<std::int64_t>(d) * day - 6 * hour, 1000, 1000 - (2 * d - 1));
        history.observe(t0 + static_cast<std::int64_t>(d) * day - 3 * hour, 1000, 1000 - 2 * d);
    }
    const auto forecast = history.forecast(t0 + 3 * day, day);
    ASSERT_TRUE(forecast);
    EXPECT_DOUBLE_EQ(*forecast, 994.0 * day / 2.0);
}

TEST(Forecast, ShortHistoryUsesAtLeastAnHour)
{
    SpareHistory history;
    history.observe(t0, 100, 100);
    history.observe(t0 + 60, 100, 90);  // 10 blocks in the first minute
    const auto forecast = history.forecast(t0 + 120, day);
    ASSERT_TRUE(forecast);
    // S = max(120 s, 1 h) = 3600 s; 90 free / (10 per hour) = 9 h.
    EXPECT_DOUBLE_EQ(*forecast, 9.0 * hour);
}

TEST(Forecast, RemapsOutsideTheWindowAreForgotten)
{
    SpareHistory history;
    history.observe(t0, 100, 100);
    history.observe(t0 + 60, 100, 95);
    EXPECT_TRUE(history.forecast(t0 + day, day));
    EXPECT_FALSE(history.forecast(t0 + day + 120, day));
    history.trim(t0 + day + 120, day);
    EXPECT_FALSE(history.forecast(t0 + day + 120, day));
}

TEST(Forecast, UnremapsCountNothingAndAFullPoolIsZero)
{
    SpareHistory history;
    history.observe(t0, 10, 10);
    history.observe(t0 + 60, 10, 5);   // +5
    history.observe(t0 + 120, 10, 8);  // unremaps: -3, nothing
    history.observe(t0 + 180, 10, 0);  // +8
    const auto forecast = history.forecast(t0 + 240, day);
    ASSERT_TRUE(forecast);
    EXPECT_DOUBLE_EQ(*forecast, 0.0);
}

TEST(Forecast, AnotherPoolSizeStartsOver)
{
    SpareHistory history;
    history.observe(t0, 10, 10);
    history.observe(t0 + 60, 10, 5);
    history.observe(t0 + 120, 20, 20);  // recreated under the same name
    EXPECT_FALSE(history.forecast(t0 + 180, day));
}

TEST(Forecast, ManyRemapsInOneMinuteAreOneEntry)
{
    SpareHistory history;
    history.observe(t0, 100000, 100000);
    for (int i = 1; i <= 50; ++i)
        history.observe(t0 + 60 + i, 100000, static_cast<std::uint64_t>(100000 - i));
    EXPECT_EQ(history.to_json().at("minutes").size(), 1u);
}

TEST(DaemonState, SurvivesARestart)
{
    testing_support::TempDir dir;
    const auto path = dir.path() / "sub" / "state";
    DaemonState state;
    state.spare["a"].observe(t0, 100, 100);
    state.spare["a"].observe(t0 + 60, 100, 90);
    state.last_scrub["b"] = t0;
    state.save(path);
    const DaemonState loaded = DaemonState::load(path);
    ASSERT_TRUE(loaded.spare.contains("a"));
    EXPECT_EQ(loaded.spare.at("a"), state.spare.at("a"));
    EXPECT_EQ(loaded.last_scrub.at("b"), t0);
    EXPECT_EQ(loaded.spare.at("a").forecast(t0 + 120, day), state.spare.at("a").forecast(t0 + 120, day));
}

TEST(DaemonState, AbsentFileIsEmptyAndBadFileIsAnError)
{
    testing_support::TempDir dir;
    EXPECT_TRUE(DaemonState::load(dir.path() / "none").spare.empty());
    std::ofstream(dir.path() / "bad") << "{\"schema\": 1, \"devices\": {\"a\": {\"spare\": 3}}}";
    EXPECT_THROW(DaemonState::load(dir.path() / "bad"), std::runtime_error);
    std::ofstream(dir.path() / "v2") << "{\"schema\": 2, \"devices\": {}}";
    EXPECT_THROW(DaemonState::load(dir.path() / "v2"), std::runtime_error);
    std::ofstream(dir.path() / "file") << "";
    EXPECT_THROW(DaemonState{}.save(dir.path() / "file" / "state"), std::runtime_error);
}

}  // namespace
}  // namespace dmremap::daemon
