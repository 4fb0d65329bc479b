#include "block_device.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>

#include "error.hpp"
#include "temp_dir.hpp"

namespace dmremap {
namespace {

using testing_support::TempDir;
namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& content)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
}

// A sysfs tree with disk sdb (8:16) holding dm-0 and dm-1, and its
// partitions sdb1 (8:17) and sdb2 (8:18).
class FakeSysfs : public testing::Test {
protected:
    void SetUp() override
    {
        const fs::path disk = dir_.path() / "devices/virtual/block/sdb";
        write_file(disk / "dev", "8:16\n");
        write_file(disk / "holders/dm-1", "");
        write_file(disk / "holders/dm-0", "");
        for (int n : {1, 2}) {
            const fs::path part = disk / ("sdb" + std::to_string(n));
            write_file(part / "dev", "8:" + std::to_string(16 + n) + "\n");
            write_file(part / "partition", std::to_string(n) + "\n");
        }
        fs::create_directories(sysfs() / "dev/block");
        fs::create_symlink("../../devices/virtual/block/sdb", sysfs() / "dev/block/8:16");
        fs::create_symlink("../../devices/virtual/block/sdb/sdb1", sysfs() / "dev/block/8:17");
        fs::create_symlink("../../devices/virtual/block/sdb/sdb2", sysfs() / "dev/block/8:18");
    }

    fs::path sysfs() const { return dir_.path(); }

    TempDir dir_;
};

TEST(BlockDevice, MeasuresARegularFile)
{
    TempDir dir;
    const fs::path image = dir.path() / "image";
    write_file(image, std::string(10000, 'x'));
    const BlockDevice device(image);
    EXPECT_FALSE(device.is_block_device());
    EXPECT_EQ(device.size_bytes(), 10000u);
    EXPECT_EQ(device.size_sectors(), 19u);
    EXPECT_EQ(device.logical_block_size(), 512u);
    EXPECT_THROW(device.number(), OperationError);
    EXPECT_FALSE(device_usage(image).in_use());
}

TEST(BlockDevice, ReportsAMissingPathWithItsErrno)
{
    try {
        BlockDevice device("/nonexistent/dmremap-test");
        FAIL() << "no OperationError";
    } catch (const OperationError& error) {
        EXPECT_EQ(error.operation(), "open");
        EXPECT_EQ(error.subject(), "/nonexistent/dmremap-test");
        EXPECT_EQ(error.error_code(), ENOENT);
        EXPECT_EQ(error.reason(), "No such file or directory");
        EXPECT_EQ(std::string(error.what()), "open /nonexistent/dmremap-test: No such file or directory");
    }
}

TEST(BlockDevice, RefusesWhatIsNeitherDeviceNorFile)
{
    EXPECT_THROW(BlockDevice("/dev/null"), OperationError);
    TempDir dir;
    EXPECT_THROW(BlockDevice(dir.path()), OperationError);
}

TEST(DeviceNumber, WritesMajorColonMinor)
{
    EXPECT_EQ((DeviceNumber{259, 3}).to_string(), "259:3");
    EXPECT_EQ((DeviceNumber{8, 16}), (DeviceNumber{8, 16}));
    EXPECT_NE((DeviceNumber{8, 16}), (DeviceNumber{8, 17}));
}

TEST(DeviceNumber, ParsesMajorColonMinor)
{
    EXPECT_EQ(DeviceNumber::parse("259:3"), (DeviceNumber{259, 3}));
    for (const char* bad : {"", "8", "8:", ":16", "8:16:1", "a:b", "-8:16", "4294967296:0"})
        EXPECT_EQ(DeviceNumber::parse(bad), std::nullopt) << bad;
}

TEST_F(FakeSysfs, ListsHoldersSorted)
{
    EXPECT_EQ(device_holders(DeviceNumber{8, 16}, sysfs()), (std::vector<std::string>{"dm-0", "dm-1"}));
    EXPECT_TRUE(device_holders(DeviceNumber{8, 17}, sysfs()).empty());
    EXPECT_TRUE(device_holders(DeviceNumber{9, 9}, sysfs()).empty());
}

TEST_F(FakeSysfs, NamesDevices)
{
    EXPECT_EQ(kernel_device_name(DeviceNumber{8, 16}, sysfs()), "sdb");
    EXPECT_EQ(kernel_device_name(DeviceNumber{8, 18}, sysfs()), "sdb2");
    EXPECT_EQ(kernel_device_name(DeviceNumber{9, 9}, sysfs()), std::nullopt);
}

TEST_F(FakeSysfs, FindsTheWholeDiskOfAPartition)
{
    EXPECT_EQ(whole_disk(DeviceNumber{8, 17}, sysfs()), (DeviceNumber{8, 16}));
    EXPECT_EQ(whole_disk(DeviceNumber{8, 16}, sysfs()), (DeviceNumber{8, 16}));
    EXPECT_EQ(whole_disk(DeviceNumber{9, 9}, sysfs()), (DeviceNumber{9, 9}));
}

TEST_F(FakeSysfs, KnowsWhichDevicesOverlap)
{
    EXPECT_TRUE(devices_overlap(DeviceNumber{8, 17}, DeviceNumber{8, 17}, sysfs()));
    EXPECT_TRUE(devices_overlap(DeviceNumber{8, 16}, DeviceNumber{8, 17}, sysfs()));
    EXPECT_TRUE(devices_overlap(DeviceNumber{8, 18}, DeviceNumber{8, 16}, sysfs()));
    EXPECT_FALSE(devices_overlap(DeviceNumber{8, 17}, DeviceNumber{8, 18}, sysfs()));
    EXPECT_FALSE(devices_overlap(DeviceNumber{8, 16}, DeviceNumber{9, 9}, sysfs()));
}

}  // namespace
}  // namespace dmremap
