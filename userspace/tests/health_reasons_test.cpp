#include "health_reasons.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "error.hpp"
#include "health_render.hpp"

namespace dmremap {
namespace {

// The example of docs/health.md.
constexpr std::string_view example_reply =
    "score=54 state=warning\n"
    "remapped=2\n"
    "lost_sectors=4\n"
    "spare_used_pct=0\n"
    "remaps_last_hour=2\n"
    "spare_exhaustion_seconds=7246800\n"
    "spare_errors=0\n"
    "metadata_state=ok\n"
    "reasons=remapped_blocks,lost_sectors,recent_remaps\n";

TEST(HealthPenalty, FollowsTheDocumentedFormula)
{
    EXPECT_EQ(remapped_blocks_penalty(0), 0u);
    EXPECT_EQ(remapped_blocks_penalty(1), 5u);
    EXPECT_EQ(remapped_blocks_penalty(2), 10u);
    EXPECT_EQ(remapped_blocks_penalty(3), 10u);
    EXPECT_EQ(remapped_blocks_penalty(32), 30u);
    EXPECT_EQ(remapped_blocks_penalty(UINT64_MAX), 30u);
    EXPECT_EQ(lost_sectors_penalty(0), 0u);
    EXPECT_EQ(lost_sectors_penalty(1), 25u);
    EXPECT_EQ(lost_sectors_penalty(4), 31u);
    EXPECT_EQ(lost_sectors_penalty(1u << 20), 40u);
}

TEST(HealthFigures, ReadsTheDocumentedExample)
{
    const HealthFigures h = health_figures(parse_health_reply(example_reply));
    EXPECT_EQ(h.score, 54u);
    EXPECT_EQ(h.state, HealthState::warning);
    EXPECT_EQ(h.remapped, 2u);
    EXPECT_EQ(h.lost_sectors, 4u);
    EXPECT_EQ(h.remaps_last_hour, 2u);
    EXPECT_EQ(h.spare_exhaustion_seconds, 7246800u);
    EXPECT_EQ(h.metadata_state, "ok");
    ASSERT_EQ(h.reasons.size(), 3u);
    EXPECT_EQ(h.reasons[0], (HealthReason{"remapped_blocks", "remapped", "2", 10u, "2 blocks remapped"}));
    EXPECT_EQ(h.reasons[1].figure, "lost_sectors");
    EXPECT_EQ(h.reasons[1].penalty, 31u);
    EXPECT_EQ(h.reasons[2].figure, "remaps_last_hour");
    EXPECT_EQ(h.reasons[2].penalty, 5u);
    // The penalties explain the whole score.
    unsigned sum = 0;
    for (const HealthReason& r : h.reasons)
        sum += *r.penalty;
    EXPECT_EQ(100 - sum, h.score);
    EXPECT_TRUE(h.extra.empty());
}

TEST(HealthFigures, NoneAndMinusOneMeanNothing)
{
    const HealthFigures h = health_figures(parse_health_reply(
        "score=100 state=ok\nremapped=0\nlost_sectors=0\nspare_used_pct=0\nremaps_last_hour=0\n"
        "spare_exhaustion_seconds=-1\nspare_errors=0\nmetadata_state=ok\nreasons=none\n"));
    EXPECT_TRUE(h.reasons.empty());
    EXPECT_FALSE(h.spare_exhaustion_seconds);
}

TEST(HealthFigures, ExplainsEveryReasonWord)
{
    const HealthFigures h = health_figures(parse_health_reply(
        "score=0 state=failed\nremapped=1\nlost_sectors=1\nspare_used_pct=100\nremaps_last_hour=12\n"
        "spare_exhaustion_seconds=0\nspare_errors=3\nmetadata_state=failed\n"
        "reasons=spare_full,remap_rate_high,spare_errors,metadata_failed,new_word\nnewkey=7\n"));
    ASSERT_EQ(h.reasons.size(), 5u);
    EXPECT_EQ(h.reasons[0].penalty, 40u);
    EXPECT_EQ(h.reasons[0].value, "100");
    EXPECT_EQ(h.reasons[1].penalty, 15u);
    EXPECT_EQ(h.reasons[1].description, "12 automatic remaps in the last hour (10 or more)");
    EXPECT_EQ(h.reasons[2].description, "3 errors on the spare device");
    EXPECT_EQ(h.reasons[3].value, "failed");
    EXPECT_EQ(h.reasons[3].penalty, 100u);
    // A word from a newer kernel is kept, without a figure or a penalty.
    EXPECT_EQ(h.reasons[4].reason, "new_word");
    EXPECT_FALSE(h.reasons[4].penalty);
    EXPECT_FALSE(h.reasons[4].value);
    ASSERT_EQ(h.extra.size(), 1u);
    EXPECT_EQ(h.extra[0], (KeyValues::Item{"newkey", "7"}));
}

TEST(HealthFigures, RefusesMissingOrMalformedKeys)
{
    EXPECT_THROW(health_figures(parse_health_reply("score=100 state=ok\n")), ParseError);
    const std::string good(example_reply);
    const auto replaced = [&good](std::string_view from, std::string_view to) {
        std::string text = good;
        text.replace(text.find(from), from.size(), to);
        return text;
    };
    EXPECT_THROW(health_figures(parse_health_reply(replaced("remapped=2", "remapped=x"))), ParseError);
    EXPECT_THROW(health_figures(parse_health_reply(replaced("metadata_state=ok", "metadata_state=odd"))),
                 ParseError);
    EXPECT_THROW(health_figures(parse_health_reply(replaced("recent_remaps", ""))), ParseError);
    EXPECT_THROW(health_figures(parse_health_reply(replaced("spare_exhaustion_seconds=7246800",
                                                            "spare_exhaustion_seconds=-2"))),
                 ParseError);
    try {
        health_figures(parse_health_reply(replaced("spare_errors=0\n", "")));
        FAIL() << "no error";
    } catch (const ParseError& error) {
        EXPECT_NE(std::string(error.what()).find("spare_errors"), std::string::npos) << error.what();
    }
}

TEST(HealthRender, JsonStartsWithSchemaAndListsReasons)
{
    const auto h = health_figures(parse_health_reply(example_reply));
    const cli::Json document = cli::health_json(cli::DeviceId{"r0", "dm-0"}, h);
    EXPECT_EQ(document.begin().key(), "schema");
    EXPECT_EQ(document["schema"], 1);
    EXPECT_EQ(document["score"], 54);
    EXPECT_EQ(document["state"], "warning");
    EXPECT_EQ(document["spare_exhaustion_seconds"], 7246800);
    ASSERT_EQ(document["reasons"].size(), 3u);
    EXPECT_EQ(document["reasons"][0]["reason"], "remapped_blocks");
    EXPECT_EQ(document["reasons"][0]["penalty"], 10);
    EXPECT_EQ(document["reasons"][0]["figure"], "remapped");
    EXPECT_EQ(document["reasons"][0]["value"], 2);
}

TEST(HealthRender, TextListsReasonsWithPenalties)
{
    std::ostringstream out;
    cli::write_health_text(out, health_figures(parse_health_reply(example_reply)));
    const std::string text = out.str();
    EXPECT_EQ(text.substr(0, text.find('\n')), "score                     54");
    EXPECT_NE(text.find("\nmetadata_state            ok\nreasons\n  -10  remapped_blocks  2 blocks remapped\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\n  -5   recent_remaps    2 automatic remaps in the last hour\n"),
              std::string::npos)
        << text;
}

}  // namespace
}  // namespace dmremap
