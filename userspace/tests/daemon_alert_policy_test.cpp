#include "alert_policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dmremap::daemon {
namespace {

using testing::HasSubstr;

constexpr std::int64_t day = 24 * 3600;
constexpr std::int64_t t0 = 1'700'000'000;

RemapSample reading(std::uint64_t spare_free = 100, HealthState health = HealthState::ok,
                    std::uint64_t lost = 0, MetadataState metadata = MetadataState::ok)
{
    RemapSample s;
    s.device = WatchedDevice{DeviceEntry{"data", 253, 2}, 1, Target{0, 800, "remap", "7:0 7:1"}};
    s.up = true;
    s.status.block_size = 4096;
    s.status.spare_total = 100;
    s.status.spare_free = spare_free;
    s.status.lost_sectors = lost;
    s.status.health_state = health;
    s.status.health_score = health == HealthState::ok ? 100 : 50;
    s.status.metadata_state = metadata;
    return s;
}

std::vector<std::string> names(const std::vector<AlertEvent>& events)
{
    std::vector<std::string> out;
    for (const AlertEvent& event : events)
        out.push_back(event.event);
    return out;
}

const DeviceSettings settings;

TEST(AlertPolicy, HealthyFirstReadingIsQuiet)
{
    AlertPolicy policy(ReminderPolicy::once);
    EXPECT_TRUE(policy.observe(reading(), std::nullopt, settings, t0).empty());
    EXPECT_TRUE(policy.observe(reading(), std::nullopt, settings, t0 + 1).empty());
}

TEST(AlertPolicy, FirstReadingReportsWhatIsAlreadyWrongButNotOldLostSectors)
{
    AlertPolicy policy(ReminderPolicy::once);
    const auto events =
        policy.observe(reading(20, HealthState::critical, 5, MetadataState::degraded), 3600.0, settings, t0);
    EXPECT_EQ(names(events), (std::vector<std::string>{"health_state", "metadata_state", "spare_threshold", "forecast"}));
    EXPECT_EQ(events[0].previous, "");
    EXPECT_EQ(events[0].current, "critical");
    EXPECT_EQ(events[0].message, "health state is critical (score 50)");
    EXPECT_EQ(events[2].current, "75");
}

TEST(AlertPolicy, HealthChangesBothWays)
{
    AlertPolicy policy(ReminderPolicy::once);
    policy.observe(reading(), std::nullopt, settings, t0);
    auto events = policy.observe(reading(100, HealthState::warning), std::nullopt, settings, t0 + 1);
    ASSERT_EQ(names(events), std::vector<std::string>{"health_state"});
    EXPECT_EQ(events[0].previous, "ok");
    EXPECT_EQ(events[0].current, "warning");
    EXPECT_EQ(events[0].device, "dm-2");
    EXPECT_EQ(events[0].name, "data");
    EXPECT_EQ(events[0].message, "health state changed from ok to warning (score 50)");
    EXPECT_TRUE(policy.observe(reading(100, HealthState::warning), std::nullopt, settings, t0 + 2).empty());
    events = policy.observe(reading(), std::nullopt, settings, t0 + 3);
    ASSERT_EQ(names(events), std::vector<std::string>{"health_state"});
    EXPECT_EQ(events[0].current, "ok");
}

TEST(AlertPolicy, SpareThresholdsAlertUpwardsOnce)
{
    AlertPolicy policy(ReminderPolicy::once);
    policy.observe(reading(100), std::nullopt, settings, t0);
    EXPECT_TRUE(policy.observe(reading(51), std::nullopt, settings, t0 + 1).empty());  // 49 %
    auto events = policy.observe(reading(50), std::nullopt, settings, t0 + 2);          // 50 %
    ASSERT_EQ(names(events), std::vector<std::string>{"spare_threshold"});
    EXPECT_EQ(events[0].previous, "0");
    EXPECT_EQ(events[0].current, "50");
    EXPECT_EQ(events[0].message, "spare usage 50% crossed the 50% threshold (50 of 100 spare blocks used)");
    EXPECT_TRUE(policy.observe(reading(40), std::nullopt, settings, t0 + 3).empty());
    // Straight past two thresholds: one alert naming the highest.
    events = policy.observe(reading(5), std::nullopt, settings, t0 + 4);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].previous, "50");
    EXPECT_EQ(events[0].current, "90");
    // Down (unremaps) and up again: alerts again.
    EXPECT_TRUE(policy.observe(reading(30), std::nullopt, settings, t0 + 5).empty());
    EXPECT_EQ(policy.observe(reading(20), std::nullopt, settings, t0 + 6).size(), 1u);
}

TEST(AlertPolicy, CustomThresholds)
{
    DeviceSettings custom;
    custom.spare_thresholds = {10};
    AlertPolicy policy(ReminderPolicy::once);
    policy.observe(reading(100), std::nullopt, custom, t0);
    EXPECT_EQ(policy.observe(reading(90), std::nullopt, custom, t0 + 1).size(), 1u);
    custom.spare_thresholds = {};
    AlertPolicy none(ReminderPolicy::once);
    EXPECT_TRUE(none.observe(reading(0), std::nullopt, custom, t0).empty());
}

TEST(AlertPolicy, EveryIncreaseOfLostSectors)
{
    AlertPolicy policy(ReminderPolicy::once);
    policy.observe(reading(100, HealthState::warning, 0), std::nullopt, settings, t0);
    auto events = policy.observe(reading(100, HealthState::warning, 8), std::nullopt, settings, t0 + 1);
    ASSERT_EQ(names(events), std::vector<std::string>{"lost_sectors"});
    EXPECT_EQ(events[0].previous, "0");
    EXPECT_EQ(events[0].current, "8");
    EXPECT_THAT(events[0].message, HasSubstr("8 new lost sectors"));
    EXPECT_TRUE(policy.observe(reading(100, HealthState::warning, 8), std::nullopt, settings, t0 + 2).empty());
    EXPECT_EQ(policy.observe(reading(100, HealthState::warning, 9), std::nullopt, settings, t0 + 3).size(), 1u);
    // Rewritten (fewer lost sectors): nothing.
    EXPECT_TRUE(policy.observe(reading(100, HealthState::warning, 0), std::nullopt, settings, t0 + 4).empty());
}

TEST(AlertPolicy, MetadataStateChange)
{
    AlertPolicy policy(ReminderPolicy::once);
    policy.observe(reading(), std::nullopt, settings, t0);
    const auto events =
        policy.observe(reading(100, HealthState::ok, 0, MetadataState::failed), std::nullopt, settings, t0 + 1);
    ASSERT_EQ(names(events), std::vector<std::string>{"metadata_state"});
    EXPECT_EQ(events[0].message, "metadata state changed from ok to failed");
}

TEST(AlertPolicy, ForecastUnderTheWarning)
{
    AlertPolicy policy(ReminderPolicy::once);
    policy.observe(reading(), 40.0 * day, settings, t0);
    auto events = policy.observe(reading(), 29.0 * day, settings, t0 + 1);
    ASSERT_EQ(names(events), std::vector<std::string>{"forecast"});
    EXPECT_EQ(events[0].current, std::to_string(29 * day));
    EXPECT_THAT(events[0].message, HasSubstr("run out in 29d"));
    EXPECT_TRUE(policy.observe(reading(), 28.0 * day, settings, t0 + 2).empty());
    EXPECT_TRUE(policy.observe(reading(), std::nullopt, settings, t0 + 3).empty());  // cleared
    EXPECT_EQ(policy.observe(reading(), 1.0 * day, settings, t0 + 4).size(), 1u);
}

TEST(AlertPolicy, DeviceGoneAndBack)
{
    AlertPolicy policy(ReminderPolicy::daily);
    const RemapSample sample = reading();
    policy.observe(sample, std::nullopt, settings, t0);
    const auto gone = policy.gone(sample.device, t0 + 1);
    ASSERT_EQ(names(gone), std::vector<std::string>{"device_gone"});
    EXPECT_EQ(gone[0].device, "dm-2");
    EXPECT_EQ(names(policy.remind(t0 + 1 + day)), std::vector<std::string>{"device_gone"});
    // Back under the same name: followed again, the condition cleared.
    EXPECT_TRUE(policy.observe(sample, std::nullopt, settings, t0 + 2 * day).empty());
    EXPECT_TRUE(policy.remind(t0 + 10 * day).empty());
}

TEST(AlertPolicy, UnreadableReadingsAreIgnored)
{
    AlertPolicy policy(ReminderPolicy::once);
    RemapSample down = reading(0, HealthState::failed);
    down.up = false;
    EXPECT_TRUE(policy.observe(down, std::nullopt, settings, t0).empty());
}

TEST(AlertPolicy, RenameKeepsTheState)
{
    AlertPolicy policy(ReminderPolicy::once);
    policy.observe(reading(100, HealthState::warning), std::nullopt, settings, t0);
    policy.renamed("data", "renamed");
    RemapSample sample = reading(100, HealthState::warning);
    sample.device.entry.name = "renamed";
    EXPECT_TRUE(policy.observe(sample, std::nullopt, settings, t0 + 1).empty());
}

TEST(AlertPolicy, EnvironmentCarriesTheDetailsAndStatusFields)
{
    AlertPolicy policy(ReminderPolicy::once);
    policy.observe(reading(), std::nullopt, settings, t0);
    const auto events = policy.observe(reading(100, HealthState::warning, 3), std::nullopt, settings, t0 + 1);
    ASSERT_EQ(events.size(), 2u);
    const auto env = events[0].environment();
    const auto value = [&](const std::string& key) {
        for (const auto& [k, v] : env) {
            if (k == key)
                return v;
        }
        return std::string("<absent>");
    };
    EXPECT_EQ(value("DMREMAP_EVENT"), "health_state");
    EXPECT_EQ(value("DMREMAP_DEVICE"), "dm-2");
    EXPECT_EQ(value("DMREMAP_NAME"), "data");
    EXPECT_EQ(value("DMREMAP_PREVIOUS"), "ok");
    EXPECT_EQ(value("DMREMAP_CURRENT"), "warning");
    EXPECT_EQ(value("DMREMAP_MESSAGE"), "health state changed from ok to warning (score 50)");
    EXPECT_EQ(value("DMREMAP_REMINDER"), "0");
    EXPECT_EQ(value("DMREMAP_LOST_SECTORS"), "3");
    EXPECT_EQ(value("DMREMAP_HEALTH_STATE"), "warning");
    EXPECT_EQ(value("DMREMAP_SPARE_FREE"), "100");
    EXPECT_EQ(value("DMREMAP_SPARE_USED_PERCENT"), "0");
    EXPECT_EQ(value("DMREMAP_METADATA_STATE"), "ok");
    EXPECT_EQ(events[0].log_line(),
              "alert health_state data (dm-2): health state changed from ok to warning (score 50)");
}

TEST(ReminderPolicy, Schedules)
{
    EXPECT_FALSE(AlertPolicy::next_reminder(ReminderPolicy::once, t0, 0));
    EXPECT_EQ(AlertPolicy::next_reminder(ReminderPolicy::daily, t0, 0), t0 + day);
    EXPECT_EQ(AlertPolicy::next_reminder(ReminderPolicy::daily, t0, 5), t0 + day);
    EXPECT_EQ(AlertPolicy::next_reminder(ReminderPolicy::diminishing, t0, 0), t0 + day);
    EXPECT_EQ(AlertPolicy::next_reminder(ReminderPolicy::diminishing, t0, 1), t0 + 2 * day);
    EXPECT_EQ(AlertPolicy::next_reminder(ReminderPolicy::diminishing, t0, 3), t0 + 8 * day);
}

std::vector<std::int64_t> reminder_days(ReminderPolicy reminder, int days)
{
    AlertPolicy policy(reminder);
    policy.observe(reading(100, HealthState::warning), std::nullopt, settings, t0);
    std::vector<std::int64_t> when;
    for (std::int64_t hour = 1; hour <= days * 24; ++hour) {
        for (const AlertEvent& event : policy.remind(t0 + hour * 3600)) {
            EXPECT_EQ(event.event, "health_state");
            EXPECT_EQ(event.reminder, when.size() + 1);
            when.push_back(hour / 24);
        }
    }
    return when;
}

TEST(ReminderPolicy, PersistingConditionIsReminded)
{
    EXPECT_TRUE(reminder_days(ReminderPolicy::once, 20).empty());
    EXPECT_EQ(reminder_days(ReminderPolicy::daily, 4), (std::vector<std::int64_t>{1, 2, 3, 4}));
    EXPECT_EQ(reminder_days(ReminderPolicy::diminishing, 20), (std::vector<std::int64_t>{1, 3, 7, 15}));
}

TEST(ReminderPolicy, ClearedConditionIsForgottenAndAlertsAnew)
{
    AlertPolicy policy(ReminderPolicy::daily);
    policy.observe(reading(100, HealthState::warning), std::nullopt, settings, t0);
    policy.observe(reading(), std::nullopt, settings, t0 + 3600);  // back to ok
    EXPECT_TRUE(policy.remind(t0 + 2 * day).empty());
    const auto again = policy.observe(reading(100, HealthState::warning), std::nullopt, settings, t0 + 3 * day);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].reminder, 0u);
    EXPECT_TRUE(policy.remind(t0 + 3 * day + 3600).empty());
    EXPECT_EQ(policy.remind(t0 + 4 * day).size(), 1u);
}

}  // namespace
}  // namespace dmremap::daemon
