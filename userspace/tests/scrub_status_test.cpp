#include "scrub_status.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "error.hpp"

namespace dmremap {
namespace {

TEST(ScrubStatus, ParsesTheKernelsLine)
{
    const ScrubStatus scrub =
        parse_scrub_status_reply("state=running position=123 found=2 passes=1 rate=5\n");
    EXPECT_EQ(scrub, (ScrubStatus{true, 123, 2, 1, 5}));
    EXPECT_FALSE(parse_scrub_status_reply("state=idle position=0 found=0 passes=0 rate=0").running);
}

TEST(ScrubStatus, IgnoresUnknownKeys)
{
    EXPECT_EQ(parse_scrub_status_reply("state=idle position=1 found=0 passes=0 rate=0 eta=5").position, 1u);
}

std::string error_of(const std::string& reply)
{
    try {
        parse_scrub_status_reply(reply);
    } catch (const ParseError& error) {
        return error.what();
    }
    return "no error";
}

TEST(ScrubStatus, RefusesMalformedReplies)
{
    EXPECT_THAT(error_of(""), testing::HasSubstr("state"));
    EXPECT_THAT(error_of("state=busy position=0 found=0 passes=0 rate=0"),
                testing::HasSubstr("neither running nor idle"));
    EXPECT_THAT(error_of("state=idle position=x found=0 passes=0 rate=0"), testing::HasSubstr("position"));
    EXPECT_THAT(error_of("state=idle position=0"), testing::HasSubstr("expected position"));
    EXPECT_THAT(error_of("state=idle position=0 position=0 position=0 position=0"),
                testing::HasSubstr("expected position"));
    EXPECT_THAT(error_of("state=idle nonsense"), testing::HasSubstr("key=value"));
}

}  // namespace
}  // namespace dmremap
