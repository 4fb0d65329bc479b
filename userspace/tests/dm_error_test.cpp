#include "dm_error.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace dmremap {
namespace {

TEST(DmError, ReasonIsTheErrnoText)
{
    EXPECT_EQ(DmError::compose_reason(EINVAL, {"device-mapper: reload ioctl on r0 failed"}, {}),
              "Invalid argument");
    EXPECT_EQ(DmError::compose_reason(ENXIO, {}, {}), "no such device-mapper device");
}

TEST(DmError, ReasonAddsWhatTheKernelLogged)
{
    EXPECT_EQ(DmError::compose_reason(EINVAL, {},
                                      {"device-mapper: table: 254:0: remap: block_size 1000 is not a power of two",
                                       "device-mapper: ioctl: error adding target to table"}),
              "Invalid argument (kernel: table: 254:0: remap: block_size 1000 is not a power of two; "
              "ioctl: error adding target to table)");
}

TEST(DmError, WithoutErrnoTheLibraryExplains)
{
    EXPECT_EQ(DmError::compose_reason(0, {"/dev/mapper/control: open failed: No such device",
                                          "Failure to communicate with kernel device-mapper driver."},
                                      {}),
              "/dev/mapper/control: open failed: No such device; Failure to communicate with kernel "
              "device-mapper driver");
    EXPECT_EQ(DmError::compose_reason(0, {}, {}), "libdevmapper gave no reason");
}

TEST(DmError, CarriesOperationDeviceAndReason)
{
    const DmError error("create", "r0", EINVAL, {"lib"}, {"device-mapper: remap: spare holds unknown data"});
    EXPECT_EQ(error.operation(), "create");
    EXPECT_EQ(error.subject(), "r0");
    EXPECT_EQ(error.error_code(), EINVAL);
    EXPECT_EQ(error.library_messages(), std::vector<std::string>{"lib"});
    EXPECT_EQ(error.kernel_lines().size(), 1u);
    EXPECT_EQ(std::string(error.what()),
              "create r0: Invalid argument (kernel: remap: spare holds unknown data)");
}

}  // namespace
}  // namespace dmremap
