#include "remap_watcher.hpp"

#include <gtest/gtest.h>

namespace dmremap {
namespace {

WatchedDevice device(std::string name, std::uint32_t minor, std::uint32_t event_nr = 0,
                     std::string params = "7:0 7:1")
{
    return WatchedDevice{DeviceEntry{std::move(name), 253, minor}, event_nr,
                         Target{0, 1024, "remap", std::move(params)}};
}

using Kind = DeviceChange::Kind;

TEST(CompareScans, EverythingAppearsOnTheFirstScan)
{
    const auto changes = compare_scans({}, {device("a", 0), device("b", 1)});
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].kind, Kind::appeared);
    EXPECT_EQ(changes[0].device.entry.name, "a");
    EXPECT_EQ(changes[1].device.entry.name, "b");
}

TEST(CompareScans, NoChangeNoReport)
{
    EXPECT_TRUE(compare_scans({device("a", 0, 3)}, {device("a", 0, 3)}).empty());
}

TEST(CompareScans, EventCounterMoved)
{
    const auto changes = compare_scans({device("a", 0, 3)}, {device("a", 0, 4)});
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, Kind::event);
    EXPECT_EQ(changes[0].device.event_nr, 4u);
}

TEST(CompareScans, RenameKeepsTheDeviceNumber)
{
    const auto changes = compare_scans({device("old", 5)}, {device("new", 5)});
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, Kind::renamed);
    EXPECT_EQ(changes[0].previous_name, "old");
    EXPECT_EQ(changes[0].device.entry.name, "new");
}

TEST(CompareScans, ReloadWithAnotherTableLine)
{
    const auto changes = compare_scans({device("a", 0)}, {device("a", 0, 0, "7:0 7:1 1 no_auto_remap")});
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, Kind::reloaded);
}

TEST(CompareScans, RecreatedUnderTheSameNameIsGoneThenBack)
{
    // Removed and created again: a new minor, so followed as a new device.
    const auto changes = compare_scans({device("a", 0, 7)}, {device("a", 1, 0)});
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].kind, Kind::appeared);
    EXPECT_EQ(changes[0].device.entry.minor, 1u);
    EXPECT_EQ(changes[1].kind, Kind::vanished);
    EXPECT_EQ(changes[1].device.entry.minor, 0u);
}

TEST(CompareScans, VanishedKeepsTheLastSeenState)
{
    const auto changes = compare_scans({device("a", 0, 9), device("b", 1)}, {device("b", 1)});
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].kind, Kind::vanished);
    EXPECT_EQ(changes[0].device.event_nr, 9u);
}

TEST(CompareScans, SeveralChangesOfOneDevice)
{
    const auto changes = compare_scans({device("a", 0, 1)}, {device("b", 0, 2, "7:0 7:2")});
    ASSERT_EQ(changes.size(), 3u);
    EXPECT_EQ(changes[0].kind, Kind::renamed);
    EXPECT_EQ(changes[1].kind, Kind::reloaded);
    EXPECT_EQ(changes[2].kind, Kind::event);
}

TEST(DeviceChangeKind, Names)
{
    EXPECT_EQ(to_string(Kind::appeared), "appeared");
    EXPECT_EQ(to_string(Kind::vanished), "vanished");
    EXPECT_EQ(to_string(Kind::renamed), "renamed");
    EXPECT_EQ(to_string(Kind::reloaded), "reloaded");
    EXPECT_EQ(to_string(Kind::event), "event");
}

TEST(DmEventWatch, MissingControlNodeIsAClearError)
{
    try {
        DmEventWatch watch("/nonexistent/control");
        FAIL() << "no error";
    } catch (const OperationError& error) {
        EXPECT_EQ(error.subject(), "/nonexistent/control");
        EXPECT_EQ(error.error_code(), ENOENT);
    }
}

TEST(DmEventWatch, NotAControlNodeIsAClearError)
{
    try {
        DmEventWatch watch("/dev/null");
        FAIL() << "no error";
    } catch (const OperationError& error) {
        EXPECT_EQ(error.operation(), "read the device-mapper version from");
    }
}

}  // namespace
}  // namespace dmremap
