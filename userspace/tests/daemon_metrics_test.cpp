#include "metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace dmremap::daemon {
namespace {

RemapSample sample(std::string name, std::uint32_t minor)
{
    RemapSample s;
    s.device = WatchedDevice{DeviceEntry{std::move(name), 253, minor}, 4,
                             Target{0, 2097152, "remap", "8:16 8:32"}};
    s.up = true;
    s.status.block_size = 4096;
    s.status.remapped = 12;
    s.status.spare_total = 1000;
    s.status.spare_free = 988;
    s.status.read_errors = 7;
    s.status.write_errors = 2;
    s.status.auto_remaps = 9;
    s.status.lost_sectors = 0;
    s.status.metadata_seq = 31;
    s.status.health_score = 90;
    s.nr_blocks = 262144;
    s.main_device = "sdb";
    s.spare_device = "sdc";
    s.scrub = ScrubStatus{true, 65536, 1, 3, 0};
    s.metadata_commits = 30;
    return s;
}

// Fixed synthetic devices that together produce every metric family: a
// healthy device with a scrub running and a forecast, a degraded one read
// while suspended (no sysfs) from an older module (no scrub status), and
// one whose status could not be read.
std::vector<DeviceMetrics> golden_devices()
{
    std::vector<DeviceMetrics> devices;
    devices.push_back(DeviceMetrics{sample("data", 0), 1234567.5});

    RemapSample degraded = sample("odd \"name\\", 3);
    degraded.status.health_state = HealthState::warning;
    degraded.status.health_score = 60;
    degraded.status.metadata_state = MetadataState::degraded;
    degraded.status.lost_sectors = 8;
    degraded.status.spare_free = 200;
    degraded.main_device = "259:1";
    degraded.scrub.reset();
    degraded.metadata_commits.reset();
    devices.push_back(DeviceMetrics{degraded, std::nullopt});

    RemapSample down = sample("gone", 7);
    down.up = false;
    down.error = "status: No such device or address";
    devices.push_back(DeviceMetrics{down, std::nullopt});
    return devices;
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(Metrics, GoldenExposition)
{
    const std::string path = std::string(DMREMAP_TEST_DATA_DIR) + "/metrics.golden.prom";
    const std::string text = render_metrics(golden_devices(), "0.1.0");
    if (std::getenv("DMREMAP_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(path, std::ios::binary) << text;
        GTEST_SKIP() << "wrote " << path;
    }
    EXPECT_EQ(text, read_file(path)) << "regenerate with DMREMAP_UPDATE_GOLDEN=1 if the change is intended";
}

TEST(Metrics, UnreadableDeviceShowsOnlyUpZero)
{
    std::vector<DeviceMetrics> devices = golden_devices();
    const std::string text = render_metrics({devices[2]}, "0.1.0");
    EXPECT_THAT(text, testing::HasSubstr("dmremap_up{device=\"dm-7\",name=\"gone\"} 0\n"));
    EXPECT_THAT(text, testing::Not(testing::HasSubstr("dmremap_remapped_blocks")));
}

TEST(Metrics, ADeviceRemovedSinceTheListIsLeftOut)
{
    RemapSample removed = sample("removed", 4);
    removed.up = false;
    removed.gone = true;
    const std::string text = render_metrics({DeviceMetrics{removed, std::nullopt}}, "0.1.0");
    EXPECT_THAT(text, testing::Not(testing::HasSubstr("removed")));
    EXPECT_THAT(text, testing::HasSubstr("dmremapd_build_info"));
}

TEST(Metrics, ADeviceListedTwiceDuringARenameIsWrittenOnce)
{
    RemapSample renamed = sample("new-name", 0);
    const std::string text =
        render_metrics({DeviceMetrics{sample("old-name", 0), std::nullopt}, DeviceMetrics{renamed, std::nullopt}},
                       "0.1.0");
    EXPECT_THAT(text, testing::HasSubstr("name=\"old-name\""));
    EXPECT_THAT(text, testing::Not(testing::HasSubstr("name=\"new-name\"")));
}

TEST(Metrics, HundredDevicesNoDuplicateSeries)
{
    std::vector<DeviceMetrics> devices;
    for (std::uint32_t i = 0; i < 100; ++i)
        devices.push_back(DeviceMetrics{sample("r" + std::to_string(i), i), 100.0 * i});
    const std::string text = render_metrics(devices, "0.1.0");
    std::set<std::string> series;
    std::set<std::string> helps;
    std::istringstream lines(text);
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# HELP")) {
            EXPECT_TRUE(helps.insert(line).second) << line;
            continue;
        }
        if (line.starts_with("#"))
            continue;
        ++count;
        EXPECT_TRUE(series.insert(line.substr(0, line.rfind(' '))).second) << line;
    }
    // 23 series per device, plus build_info.
    EXPECT_EQ(count, 100u * 23u + 1u);
}

}  // namespace
}  // namespace dmremap::daemon
