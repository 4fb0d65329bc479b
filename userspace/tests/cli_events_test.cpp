#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>

#include "cli_test_support.hpp"
#include "event_feed.hpp"
#include "event_render.hpp"
#include "status_watch.hpp"

// `dmremap events` and `status --watch`: the lines, the status diffs, the
// name filter and the screen, with a fake status reader and made-up
// watcher changes (the VM scenario 53-cli-watch-events.sh runs them on
// devices).
namespace dmremap::cli {
namespace {

using Kind = DeviceChange::Kind;
using Clock = std::chrono::system_clock;

// 2026-11-27T13:45:01Z
const Clock::time_point when = Clock::from_time_t(1795787101);

WatchedDevice device(std::string name, std::uint32_t minor, std::uint32_t event_nr = 0)
{
    return WatchedDevice{DeviceEntry{std::move(name), 253, minor}, event_nr,
                         Target{0, 2048, "remap", "7:0 7:1"}};
}

DeviceChange change(Kind kind, WatchedDevice watched, std::string previous = {})
{
    return DeviceChange{kind, std::move(watched), std::move(previous)};
}

TargetStatus status(std::uint64_t remapped = 0, HealthState health = HealthState::ok)
{
    TargetStatus s;
    s.block_size = 4096;
    s.remapped = remapped;
    s.spare_total = 200;
    s.spare_free = 200 - remapped;
    s.health_score = remapped ? 90 : 100;
    s.health_state = health;
    return s;
}

// A status reader over a table that the test changes, counting reads.
struct FakeDevices {
    std::map<std::string, TargetStatus> statuses;
    int reads = 0;

    StatusReader reader()
    {
        return [this](const WatchedDevice& watched) -> std::optional<TargetStatus> {
            ++reads;
            const auto found = statuses.find(watched.entry.name);
            if (found == statuses.end())
                return std::nullopt;
            return found->second;
        };
    }
};

TEST(EventTime, IsoUtcToTheSecond)
{
    EXPECT_EQ(iso8601_utc(when), "2026-11-27T13:45:01Z");
    EXPECT_EQ(iso8601_utc(Clock::from_time_t(0) + std::chrono::milliseconds(999)),
              "1970-01-01T00:00:00Z");
}

TEST(StatusChanges, FirstLineHasEveryTrackedField)
{
    const TargetStatus now = status(0);
    const auto changes = status_changes(nullptr, now);
    ASSERT_EQ(changes.size(), 6u);
    EXPECT_EQ(changes[0], (StatusChange{"remapped", nullptr, 0}));
    EXPECT_EQ(changes[1], (StatusChange{"spare_free", nullptr, 200}));
    EXPECT_EQ(changes[5], (StatusChange{"health_state", nullptr, "ok"}));
}

TEST(StatusChanges, OnlyWhatChanged)
{
    const TargetStatus before = status(0);
    TargetStatus after = status(3, HealthState::warning);
    after.read_errors = 9;  // not a tracked field
    const auto changes = status_changes(&before, after);
    ASSERT_EQ(changes.size(), 4u);
    EXPECT_EQ(changes[0], (StatusChange{"remapped", 0, 3}));
    EXPECT_EQ(changes[1], (StatusChange{"spare_free", 200, 197}));
    EXPECT_EQ(changes[2], (StatusChange{"health_score", 100, 90}));
    EXPECT_EQ(changes[3], (StatusChange{"health_state", "ok", "warning"}));
    EXPECT_TRUE(status_changes(&before, before).empty());
}

TEST(EventFeed, DevicesThereAtTheStartAreNotReportedButDiffedAgainst)
{
    FakeDevices fake;
    fake.statuses["a"] = status(0);
    EventFeed feed(std::nullopt, fake.reader());
    feed.start({device("a", 0, 4)});
    EXPECT_EQ(fake.reads, 1);

    fake.statuses["a"] = status(2, HealthState::warning);
    const auto records = feed.records({change(Kind::event, device("a", 0, 5))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(event_text(records[0]),
              "2026-11-27T13:45:01Z a dm-0 event event_nr=5 remapped=0->2 spare_free=200->198 "
              "health_score=100->90 health_state=ok->warning");
}

TEST(EventFeed, CreatedShowsTheStateThenEventsShowChanges)
{
    FakeDevices fake;
    EventFeed feed(std::nullopt, fake.reader());
    feed.start({});
    fake.statuses["b"] = status(0);
    auto records = feed.records({change(Kind::appeared, device("b", 3))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(event_text(records[0]),
              "2026-11-27T13:45:01Z b dm-3 created event_nr=0 remapped=0 spare_free=200 "
              "lost_sectors=0 metadata_state=ok health_score=100 health_state=ok");

    // Nothing tracked changed: the event alone.
    records = feed.records({change(Kind::event, device("b", 3, 1))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(event_text(records[0]), "2026-11-27T13:45:01Z b dm-3 event event_nr=1");
}

// A status of a table not loaded (a reload between its swap and the
// resume that loads it): its figures are an empty table's, not the
// device's.
TargetStatus unloaded()
{
    TargetStatus s = status(0);
    s.metadata_state = MetadataState::unloaded;
    return s;
}

TEST(StatusChanges, UnloadedComparesOnlyTheState)
{
    const TargetStatus before = status(7, HealthState::warning);
    const auto changes = status_changes(&before, unloaded());
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0], (StatusChange{"metadata_state", "ok", "unloaded"}));
    EXPECT_EQ(status_changes(nullptr, unloaded()),
              (std::vector<StatusChange>{{"metadata_state", nullptr, "unloaded"}}));
    const TargetStatus still = unloaded();
    EXPECT_TRUE(status_changes(&still, unloaded()).empty());
}

TEST(EventFeed, AReloadIsNotRemapsDroppingToZero)
{
    FakeDevices fake;
    fake.statuses["r"] = status(150);
    EventFeed feed(std::nullopt, fake.reader());
    feed.start({device("r", 2, 1)});

    fake.statuses["r"] = unloaded();
    auto records = feed.records({change(Kind::reloaded, device("r", 2, 2))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(event_text(records[0]),
              "2026-11-27T13:45:01Z r dm-2 reloaded event_nr=2 metadata_state=ok->unloaded");

    fake.statuses["r"] = status(150);
    records = feed.records({change(Kind::event, device("r", 2, 3))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(event_text(records[0]),
              "2026-11-27T13:45:01Z r dm-2 event event_nr=3 metadata_state=unloaded->ok");
}

TEST(EventFeed, UnloadedAtTheStartLeavesNothingToDiffAgainst)
{
    FakeDevices fake;
    fake.statuses["u"] = unloaded();
    EventFeed feed(std::nullopt, fake.reader());
    feed.start({device("u", 4, 1)});

    fake.statuses["u"] = status(5);
    const auto records = feed.records({change(Kind::event, device("u", 4, 2))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(event_text(records[0]),
              "2026-11-27T13:45:01Z u dm-4 event event_nr=2 remapped=5 spare_free=195 "
              "lost_sectors=0 metadata_state=ok health_score=90 health_state=ok");
}

TEST(EventFeed, OneReadPerDeviceAndTheChangesOnItsLastLine)
{
    FakeDevices fake;
    fake.statuses["old"] = status(0);
    EventFeed feed(std::nullopt, fake.reader());
    feed.start({device("old", 1, 2)});
    fake.reads = 0;

    fake.statuses["new"] = status(1);
    const auto records = feed.records({change(Kind::renamed, device("new", 1, 3), "old"),
                                       change(Kind::reloaded, device("new", 1, 3)),
                                       change(Kind::event, device("new", 1, 3))},
                                      when);
    EXPECT_EQ(fake.reads, 1);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(event_text(records[0]),
              "2026-11-27T13:45:01Z new dm-1 renamed event_nr=3 previous_name=old");
    EXPECT_EQ(event_text(records[1]), "2026-11-27T13:45:01Z new dm-1 reloaded event_nr=3");
    EXPECT_EQ(event_text(records[2]),
              "2026-11-27T13:45:01Z new dm-1 event event_nr=3 remapped=0->1 spare_free=200->199 "
              "health_score=100->90");
    // Every line of the device carries the status it read.
    EXPECT_TRUE(records[0].status.has_value());
    EXPECT_TRUE(records[0].changes.empty());
}

TEST(EventFeed, RemovedHasNoStatusAndForgetsTheDevice)
{
    FakeDevices fake;
    fake.statuses["a"] = status(0);
    EventFeed feed(std::nullopt, fake.reader());
    feed.start({device("a", 0, 7)});
    fake.reads = 0;
    auto records = feed.records({change(Kind::vanished, device("a", 0, 7))}, when);
    EXPECT_EQ(fake.reads, 0);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_FALSE(records[0].status.has_value());
    EXPECT_EQ(event_text(records[0]), "2026-11-27T13:45:01Z a dm-0 removed event_nr=7");

    // Created again under the same number: a new device, its whole state.
    records = feed.records({change(Kind::appeared, device("a", 0))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].changes.size(), 6u);
}

TEST(EventFeed, AStatusThatCannotBeReadLeavesTheLastKnownOne)
{
    FakeDevices fake;
    fake.statuses["a"] = status(0);
    EventFeed feed(std::nullopt, fake.reader());
    feed.start({device("a", 0, 1)});
    fake.statuses.clear();
    auto records = feed.records({change(Kind::event, device("a", 0, 2))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_FALSE(records[0].status.has_value());
    EXPECT_TRUE(records[0].changes.empty());

    fake.statuses["a"] = status(4);
    records = feed.records({change(Kind::event, device("a", 0, 3))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].changes.front(), (StatusChange{"remapped", 0, 4}));
}

TEST(EventFeed, ANameFollowsItsDeviceThroughRenamesUntilRemoved)
{
    FakeDevices fake;
    EventFeed feed(std::string("data"), fake.reader());
    feed.start({device("other", 0)});

    auto records = feed.records({change(Kind::event, device("other", 0, 1)),
                                 change(Kind::appeared, device("data", 1))},
                                when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].change.device.entry.name, "data");

    records = feed.records({change(Kind::renamed, device("data2", 1), "data")}, when);
    ASSERT_EQ(records.size(), 1u);
    records = feed.records({change(Kind::event, device("data2", 1, 1))}, when);
    ASSERT_EQ(records.size(), 1u);
    records = feed.records({change(Kind::vanished, device("data2", 1, 1))}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].change.kind, Kind::vanished);
    // Not followed any more: another device that takes the number is not it.
    EXPECT_TRUE(feed.records({change(Kind::appeared, device("x", 1))}, when).empty());
    // A device renamed to the name is.
    records = feed.records({change(Kind::renamed, device("data", 0, 1), "other")}, when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(event_text(records[0]),
              "2026-11-27T13:45:01Z data dm-0 renamed event_nr=1 previous_name=other");
}

TEST(EventFeed, ANameGivenAtTheStartMatchesTheExistingDevice)
{
    FakeDevices fake;
    fake.statuses["data"] = status(0);
    EventFeed feed(std::string("data"), fake.reader());
    feed.start({device("data", 2), device("other", 3)});
    EXPECT_EQ(fake.reads, 1);  // only the device asked for
    const auto records = feed.records({change(Kind::renamed, device("renamed", 2), "data"),
                                       change(Kind::event, device("other", 3, 1))},
                                      when);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].change.kind, Kind::renamed);
}

TEST(EventJson, OneObjectWithTheSchemaFirst)
{
    EventRecord record{when, change(Kind::renamed, device("new", 1, 3), "old"), status(1),
                       {{"remapped", 0, 1}, {"health_state", "ok", "warning"}}};
    const Json document = event_json(record);
    const std::string line = document.dump();
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(line.rfind("{\"schema\":1,\"name\":\"new\",\"device\":\"dm-1\",\"time\":"
                         "\"2026-11-27T13:45:01Z\",\"kind\":\"renamed\",\"event_nr\":3,"
                         "\"previous_name\":\"old\",\"changes\":{\"remapped\":{\"from\":0,\"to\":1},"
                         "\"health_state\":{\"from\":\"ok\",\"to\":\"warning\"}},\"status\":{"
                         "\"block_size\":4096,\"remapped\":1,",
                         0),
              0u)
        << line;
    EXPECT_FALSE(document["status"].contains("schema"));
    EXPECT_EQ(document["status"]["health_state"], "ok");
    EXPECT_EQ(document["status"]["extra"], Json::array());
}

TEST(EventJson, RemovedHasNullStatusAndNoPreviousName)
{
    const Json document = event_json(EventRecord{when, change(Kind::vanished, device("a", 0, 2)), {}, {}});
    EXPECT_EQ(document["kind"], "removed");
    EXPECT_TRUE(document["status"].is_null());
    EXPECT_EQ(document["changes"], Json::object());
    EXPECT_FALSE(document.contains("previous_name"));
    // created: from is null
    const Json created = event_json(EventRecord{
        when, change(Kind::appeared, device("a", 0)), status(0), status_changes(nullptr, status(0))});
    EXPECT_EQ(created["kind"], "created");
    EXPECT_TRUE(created["changes"]["remapped"]["from"].is_null());
    EXPECT_EQ(created["changes"]["remapped"]["to"], 0);
}

TEST(WatchStep, FollowsTheDeviceNumber)
{
    using Action = WatchStep::Action;
    EXPECT_EQ(watch_step({change(Kind::event, device("b", 1, 1))}, 253, 0, "a").action, Action::none);
    EXPECT_EQ(watch_step({}, 253, 0, "a").action, Action::none);

    WatchStep step = watch_step({change(Kind::event, device("a", 0, 1))}, 253, 0, "a");
    EXPECT_EQ(step.action, Action::redraw);
    EXPECT_EQ(step.name, "a");

    step = watch_step({change(Kind::renamed, device("z", 0), "a"), change(Kind::reloaded, device("z", 0))},
                      253, 0, "a");
    EXPECT_EQ(step.action, Action::redraw);
    EXPECT_EQ(step.name, "z");

    step = watch_step({change(Kind::event, device("a", 0, 1)), change(Kind::vanished, device("a", 0, 1))},
                      253, 0, "a");
    EXPECT_EQ(step.action, Action::gone);
    // Another major is another device.
    EXPECT_EQ(watch_step({change(Kind::vanished, device("a", 0))}, 254, 0, "a").action, Action::none);
}

std::string status_text(const DeviceId& id, const TargetStatus& s)
{
    std::ostringstream out;
    write_status_text(out, id, s);
    return out.str();
}

TEST(StatusScreen, PipedStatusesAreSeparatedByABlankLine)
{
    std::ostringstream out;
    StatusScreen screen(out, false, false);
    const DeviceId id{"a", "dm-0"};
    screen.show(id, status(0));
    EXPECT_EQ(out.str(), status_text(id, status(0)));
    screen.show(DeviceId{"b", "dm-0"}, status(1));
    EXPECT_EQ(out.str(), status_text(id, status(0)) + "\n" + status_text(DeviceId{"b", "dm-0"}, status(1)));
    EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
}

TEST(StatusScreen, ATerminalIsClearedBeforeEachStatus)
{
    std::ostringstream out;
    StatusScreen screen(out, false, true);
    const DeviceId id{"a", "dm-0"};
    screen.show(id, status(0));
    screen.show(id, status(1));
    EXPECT_EQ(out.str(), "\x1b[H\x1b[2J" + status_text(id, status(0)) + "\x1b[H\x1b[2J" +
                             status_text(id, status(1)));
}

TEST(StatusScreen, JsonIsOneDocumentPerLine)
{
    std::ostringstream out;
    StatusScreen screen(out, true, true);  // no escape codes in JSON, even on a terminal
    const DeviceId id{"a", "dm-0"};
    screen.show(id, status(0));
    screen.show(id, status(2));
    std::istringstream lines(out.str());
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        const Json document = Json::parse(line);
        EXPECT_EQ(document.begin().key(), "schema");
        EXPECT_EQ(document["remapped"], count ? 2 : 0);
        ++count;
    }
    EXPECT_EQ(count, 2);
}

TEST(CliWatch, ParsesWatchCountAndEvents)
{
    Cli watch;
    parse(watch, {"status", "r0", "--watch", "--count", "3", "--json"});
    EXPECT_TRUE(watch.arguments().status.watch);
    EXPECT_EQ(watch.arguments().status.count, 3u);
    Cli all;
    parse(all, {"events"});
    EXPECT_EQ(all.selected_command(), "events");
    EXPECT_EQ(all.arguments().events.name, "");
    Cli one;
    parse(one, {"events", "r0", "--count", "2", "--json"});
    EXPECT_EQ(one.arguments().events.name, "r0");
    EXPECT_EQ(one.arguments().events.count, 2u);
    EXPECT_TRUE(one.arguments().events.json);
}

TEST(CliWatch, UsageErrors)
{
    EXPECT_TRUE(rejects({"status", "r0", "--count", "3"}));  // --count needs --watch
    EXPECT_TRUE(rejects({"status", "r0", "--watch", "--count", "0"}));
    EXPECT_TRUE(rejects({"events", "--count", "0"}));
    EXPECT_TRUE(rejects({"events", "--count", "x"}));
    EXPECT_TRUE(rejects({"events", "a", "b"}));
    const RunResult result = run({"events", "--count", "-1"});
    EXPECT_EQ(result.status, exit_usage);
    EXPECT_EQ(result.err.rfind("dmremap: events: ", 0), 0u) << result.err;
}

}  // namespace
}  // namespace dmremap::cli
