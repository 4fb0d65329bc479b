#include "dm_control.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libdevmapper.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <thread>

#include "dm_log_capture.hpp"
#include "remap_device.hpp"

namespace dmremap {
namespace {

bool kernel_has_device_mapper()
{
    std::ifstream misc("/proc/misc");
    std::string line;
    while (std::getline(misc, line)) {
        if (line.find("device-mapper") != std::string::npos)
            return true;
    }
    // Not /dev/mapper/control: libdevmapper creates that node (as root)
    // whether or not the kernel has a driver behind it.
    return false;
}

bool can_use_device_mapper()
{
    return kernel_has_device_mapper() && ::geteuid() == 0;
}

constexpr const char* absent_device = "dmremap-test-no-such-device";

TEST(DmControlWithoutDeviceMapper, FailsWithTheLibrarysReasonAndPrintsNothing)
{
    if (kernel_has_device_mapper())
        GTEST_SKIP() << "this kernel has device-mapper";
    DmControl dm;
    testing::internal::CaptureStderr();
    try {
        dm.list_devices();
        ADD_FAILURE() << "no DmError";
    } catch (const DmError& error) {
        EXPECT_EQ(error.operation(), "list devices");
        EXPECT_FALSE(error.library_messages().empty());
        EXPECT_THAT(error.reason(), testing::HasSubstr("device-mapper"));
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(DmControlWithoutDeviceMapper, NamesTheDeviceInTheError)
{
    if (kernel_has_device_mapper())
        GTEST_SKIP() << "this kernel has device-mapper";
    DmControl dm;
    try {
        dm.message("r0", 0, "stats");
        ADD_FAILURE() << "no DmError";
    } catch (const DmError& error) {
        EXPECT_THAT(error.what(), testing::StartsWith("message 'stats' to r0: "));
    }
}

TEST(DmControlWithDeviceMapper, KnowsAnAbsentDevice)
{
    if (!can_use_device_mapper())
        GTEST_SKIP() << "needs device-mapper and root";
    DmControl dm;
    EXPECT_EQ(dm.info(absent_device), std::nullopt);
    try {
        dm.status(absent_device);
        ADD_FAILURE() << "no DmError";
    } catch (const DmError& error) {
        EXPECT_EQ(error.error_code(), ENXIO);
        EXPECT_EQ(error.subject(), absent_device);
    }
    try {
        RemapDevice device(dm, absent_device);
        ADD_FAILURE() << "no DmError";
    } catch (const DmError& error) {
        EXPECT_EQ(error.error_code(), ENXIO);
    }
    for (const DeviceEntry& entry : find_remap_devices(dm))
        EXPECT_NE(entry.name, absent_device);
}

// A malformed config string makes libdevmapper log a parse error, with or
// without a kernel driver.
bool make_libdevmapper_log_an_error()
{
    dm_config_tree* tree = dm_config_from_string("a = {");
    if (tree != nullptr)
        dm_config_destroy(tree);
    return tree == nullptr;
}

TEST(DmLogCapture, CollectsWhatLibdevmapperLogsInsteadOfPrintingIt)
{
    testing::internal::CaptureStderr();
    {
        DmLogCapture capture;
        ASSERT_TRUE(make_libdevmapper_log_an_error());
        ASSERT_EQ(capture.messages().size(), 1u);
        EXPECT_EQ(capture.messages()[0].level, 3);
        EXPECT_THAT(capture.reasons(), testing::ElementsAre(testing::HasSubstr("Parse error")));
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(DmLogCapture, TheInnermostCaptureTakesTheMessages)
{
    DmLogCapture outer;
    {
        DmLogCapture inner;
        make_libdevmapper_log_an_error();
        EXPECT_EQ(inner.messages().size(), 1u);
    }
    EXPECT_TRUE(outer.messages().empty());
    make_libdevmapper_log_an_error();
    EXPECT_EQ(outer.messages().size(), 1u);
}

TEST(DmLogCapture, TheDefaultLogReturnsAfterTheLastCapture)
{
    { DmLogCapture capture; }
    testing::internal::CaptureStderr();
    make_libdevmapper_log_an_error();
    EXPECT_THAT(testing::internal::GetCapturedStderr(), testing::HasSubstr("Parse error"));
}

TEST(DmLogCapture, CapturesPerThread)
{
    DmLogCapture here;
    std::size_t seen_there = 0;
    std::thread([&seen_there] {
        DmLogCapture there;
        make_libdevmapper_log_an_error();
        seen_there = there.messages().size();
    }).join();
    EXPECT_EQ(seen_there, 1u);
    EXPECT_TRUE(here.messages().empty());
}

}  // namespace
}  // namespace dmremap
