#include "scrub.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "error.hpp"
#include "scrub_render.hpp"

namespace dmremap {
namespace {

TEST(ScrubStatusReply, ReadsTheKernelsLine)
{
    const ScrubStatus s =
        parse_scrub_status_reply("state=running position=12288 found=2 passes=1 rate=32\n");
    EXPECT_EQ(s, (ScrubStatus{true, 12288, 2, 1, 32}));
    EXPECT_FALSE(parse_scrub_status_reply("state=idle position=0 found=0 passes=0 rate=32 new=1").running);
}

TEST(ScrubStatusReply, RefusesMissingAndMalformedKeys)
{
    EXPECT_THROW(parse_scrub_status_reply(""), ParseError);
    EXPECT_THROW(parse_scrub_status_reply("state=running position=1 found=0 passes=0"), ParseError);
    EXPECT_THROW(parse_scrub_status_reply("state=busy position=1 found=0 passes=0 rate=1"), ParseError);
    EXPECT_THROW(parse_scrub_status_reply("state=idle position=-1 found=0 passes=0 rate=1"), ParseError);
    EXPECT_THROW(parse_scrub_status_reply("state=idle position=1 found=0 passes=0 rate=10001"), ParseError);
    EXPECT_THROW(parse_scrub_status_reply("state=idle junk"), ParseError);
}

TEST(ScrubProgress, EstimatesTheRestAtTheRate)
{
    // 16384 blocks of 4 KiB = 64 MiB; at 12288 a quarter is left: 16 MiB at 4 MiB/s.
    const ScrubProgress p = scrub_progress(ScrubStatus{true, 12288, 0, 0, 4}, 16384, 4096);
    EXPECT_DOUBLE_EQ(p.percent_done, 75.0);
    EXPECT_EQ(p.seconds_left, 4u);
    EXPECT_EQ(p.basis, ScrubProgress::Basis::rate);
    // Rounded up: a little left is a second, not none.
    EXPECT_EQ(scrub_progress(ScrubStatus{true, 16383, 0, 0, 10000}, 16384, 4096).seconds_left, 1u);
}

TEST(ScrubProgress, IdleHasNoEstimate)
{
    const ScrubProgress p = scrub_progress(ScrubStatus{false, 4096, 0, 0, 32}, 16384, 4096);
    EXPECT_DOUBLE_EQ(p.percent_done, 25.0);
    EXPECT_FALSE(p.seconds_left);
    EXPECT_EQ(p.basis, ScrubProgress::Basis::none);
    EXPECT_DOUBLE_EQ(scrub_progress(ScrubStatus{}, 0, 4096).percent_done, 0.0);
}

TEST(ScrubProgress, MeasuredUsesThePaceSeen)
{
    // 1000 blocks in 2 s: 500/s; 10000 blocks left: 20 s.
    const ScrubProgress p = scrub_progress_measured(ScrubStatus{true, 5384, 0, 0, 32},
                                                    ScrubStatus{true, 6384, 0, 0, 32}, 2.0, 16384, 4096);
    EXPECT_EQ(p.seconds_left, 20u);
    EXPECT_EQ(p.basis, ScrubProgress::Basis::measured);
}

TEST(ScrubProgress, MeasuredFallsBackWhenThePassChanged)
{
    // The pass ended between the two looks: nothing to measure, and idle now.
    ScrubProgress p = scrub_progress_measured(ScrubStatus{true, 16000, 0, 0, 32},
                                              ScrubStatus{false, 0, 0, 1, 32}, 2.0, 16384, 4096);
    EXPECT_EQ(p.basis, ScrubProgress::Basis::none);
    // Started in between: the rate's estimate.
    p = scrub_progress_measured(ScrubStatus{false, 0, 0, 0, 32}, ScrubStatus{true, 100, 0, 0, 32}, 2.0,
                                16384, 4096);
    EXPECT_EQ(p.basis, ScrubProgress::Basis::rate);
    // Did not move: no estimate rather than a wrong one.
    p = scrub_progress_measured(ScrubStatus{true, 100, 0, 0, 32}, ScrubStatus{true, 100, 0, 0, 32}, 2.0,
                                16384, 4096);
    EXPECT_EQ(p.basis, ScrubProgress::Basis::none);
    EXPECT_FALSE(p.seconds_left);
}

TEST(ScrubRender, FormatsDurations)
{
    EXPECT_EQ(cli::format_duration(0), "0:00:00");
    EXPECT_EQ(cli::format_duration(3725), "1:02:05");
    EXPECT_EQ(cli::format_duration(2 * 86400 + 3 * 3600), "2d 03:00:00");
}

TEST(ScrubRender, JsonAndText)
{
    cli::ScrubReport r;
    r.status = ScrubStatus{true, 12288, 1, 0, 4};
    r.nr_blocks = 16384;
    r.progress = scrub_progress(r.status, r.nr_blocks, 4096);
    const cli::Json document = cli::scrub_status_json(cli::DeviceId{"r0", "dm-0"}, r);
    EXPECT_EQ(document.begin().key(), "schema");
    EXPECT_EQ(document["state"], "running");
    EXPECT_EQ(document["blocks"], 16384);
    EXPECT_EQ(document["percent_done"], 75.0);
    EXPECT_EQ(document["seconds_left"], 4);
    EXPECT_EQ(document["estimate"], "rate");
    std::ostringstream out;
    cli::write_scrub_status_text(out, r);
    EXPECT_NE(out.str().find("position   12288 of 16384 blocks (75.0%)\n"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("time_left  0:00:04 (at 4 MiB/s: at least this long)\n"), std::string::npos)
        << out.str();
}

}  // namespace
}  // namespace dmremap
