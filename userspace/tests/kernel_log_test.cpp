#include "kernel_log.hpp"

#include <gtest/gtest.h>

namespace dmremap {
namespace {

TEST(KernelLog, TakesTheTextOfARecord)
{
    EXPECT_EQ(kmsg_record_text("3,1234,5678901,-;device-mapper: table: 254:0: remap: bad block_size\n"
                               " SUBSYSTEM=block\n DEVICE=b254:0\n"),
              "device-mapper: table: 254:0: remap: bad block_size");
    EXPECT_EQ(kmsg_record_text("6,1,2,c;text; with semicolon"), "text; with semicolon");
    EXPECT_EQ(kmsg_record_text("no header"), std::nullopt);
}

TEST(KernelLog, RecognisesDeviceMapperMessages)
{
    EXPECT_TRUE(is_device_mapper_message("device-mapper: ioctl: error adding target to table"));
    EXPECT_TRUE(is_device_mapper_message("dm-remap: metadata copy 1 is damaged"));
    EXPECT_TRUE(is_device_mapper_message("dm_remap: loaded"));
    EXPECT_FALSE(is_device_mapper_message("EXT4-fs (sda1): mounted filesystem"));
}

TEST(KernelLog, AWatchOnlyReturnsDeviceMapperLines)
{
    // Readable or not (it needs CAP_SYSLOG), the watch never throws.
    KernelLogWatch watch;
    for (const std::string& line : watch.device_mapper_lines())
        EXPECT_TRUE(is_device_mapper_message(line)) << line;
}

}  // namespace
}  // namespace dmremap
