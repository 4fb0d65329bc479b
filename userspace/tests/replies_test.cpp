#include "replies.hpp"

#include <gtest/gtest.h>

#include "error.hpp"

namespace dmremap {
namespace {

template <typename Parse>
std::string parse_error(Parse parse, const std::string& reply)
{
    try {
        parse(reply);
    } catch (const ParseError& error) {
        return error.what();
    }
    ADD_FAILURE() << "no ParseError for '" << reply << "'";
    return {};
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

TEST(RemapReply, ReadsBlockAndSpareBlock)
{
    EXPECT_EQ(parse_remap_reply("5 17"), (RemapReply{5, 17}));
    EXPECT_EQ(parse_remap_reply("5 17\n"), (RemapReply{5, 17}));
    EXPECT_EQ(parse_remap_reply("18446744073709551615 0"), (RemapReply{UINT64_MAX, 0}));
}

TEST(RemapReply, RejectsMalformedReplies)
{
    EXPECT_TRUE(contains(parse_error(parse_remap_reply, ""), "empty"));
    EXPECT_TRUE(contains(parse_error(parse_remap_reply, "5"), "line 1"));
    EXPECT_TRUE(contains(parse_error(parse_remap_reply, "5 17 x"), "got 3 words"));
    EXPECT_TRUE(contains(parse_error(parse_remap_reply, "a 17"), "line 1 block"));
    EXPECT_TRUE(contains(parse_error(parse_remap_reply, "5 -1"), "line 1 spare_block"));
    EXPECT_TRUE(contains(parse_error(parse_remap_reply, "5 17\n6 18"), "line 2"));
}

TEST(UnremapReply, ReadsTheBlock)
{
    EXPECT_EQ(parse_unremap_reply("5"), 5u);
    EXPECT_EQ(parse_unremap_reply("5\n"), 5u);
}

TEST(UnremapReply, RejectsMalformedReplies)
{
    EXPECT_TRUE(contains(parse_error(parse_unremap_reply, ""), "empty"));
    EXPECT_TRUE(contains(parse_error(parse_unremap_reply, "5 17"), "line 1"));
    EXPECT_TRUE(contains(parse_error(parse_unremap_reply, "five"), "expected a number"));
    EXPECT_TRUE(contains(parse_error(parse_unremap_reply, "5\n5"), "line 2"));
}

TEST(BatchReplies, ReadOneLinePerBlockInOrder)
{
    EXPECT_EQ(parse_remap_batch_reply("9 0\n3 1\n"), (std::vector<RemapReply>{{9, 0}, {3, 1}}));
    EXPECT_EQ(parse_unremap_batch_reply("9\n3\n"), (std::vector<std::uint64_t>{9, 3}));
    EXPECT_TRUE(parse_remap_batch_reply("").empty());
}

TEST(BatchReplies, RejectMalformedLinesWithTheirNumber)
{
    EXPECT_TRUE(contains(parse_error(parse_remap_batch_reply, "9 0\n3\n"), "remap reply line 2"));
    EXPECT_TRUE(contains(parse_error(parse_remap_batch_reply, "9 0\n3 x\n"), "line 2 spare_block"));
    EXPECT_TRUE(contains(parse_error(parse_unremap_batch_reply, "9\n3 1\n"), "unremap reply line 2"));
}

TEST(ListReply, ReadsNothingFromAnEmptyReply)
{
    EXPECT_TRUE(parse_list_reply("").empty());
    EXPECT_TRUE(parse_list_reply("\n").empty());
}

TEST(ListReply, ReadsRemapsInOrder)
{
    const auto entries = parse_list_reply("1 0 -\n5 1 R\n1000000 2 lw\n");
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0], (RemapEntry{1, 0, "-"}));
    EXPECT_EQ(entries[1], (RemapEntry{5, 1, "R"}));
    EXPECT_EQ(entries[2], (RemapEntry{1000000, 2, "lw"}));
}

TEST(ListReply, RejectsMalformedLinesWithTheirNumber)
{
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "1 0 -\n5 1\n"), "list reply line 2"));
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "1 0 - x"), "list reply line 1"));
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "1 0 -\n2 1 -\nx 2 -"), "line 3 block"));
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "1 y -"), "line 1 spare_block"));
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "1 0 !"), "line 1 flags"));
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "1 0 --"), "line 1 flags"));
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "1 0 R2"), "line 1 flags"));
}

TEST(ListReply, CountsBlankLinesInLineNumbers)
{
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "1 0 -\n\nbad"), "line 3"));
}

TEST(ListReply, RequiresAscendingBlocks)
{
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "5 1 -\n3 2 -"), "line 2"));
    EXPECT_TRUE(contains(parse_error(parse_list_reply, "5 1 -\n5 2 -"), "does not ascend"));
}

TEST(StatsReply, ReadsKeyValueLinesInOrder)
{
    const KeyValues stats = parse_stats_reply("reads=10\nwrites=5\nblock_size=4096\nname=\n");
    ASSERT_EQ(stats.size(), 4u);
    EXPECT_EQ(stats.begin()->first, "reads");
    EXPECT_EQ(stats.number("writes"), 5u);
    EXPECT_EQ(stats.number("block_size"), 4096u);
    ASSERT_NE(stats.find("name"), nullptr);
    EXPECT_EQ(*stats.find("name"), "");
    EXPECT_EQ(stats.find("absent"), nullptr);
}

TEST(StatsReply, ReadsAnEmptyReply)
{
    EXPECT_TRUE(parse_stats_reply("").empty());
}

TEST(StatsReply, RejectsMalformedLinesWithTheirNumber)
{
    EXPECT_TRUE(contains(parse_error(parse_stats_reply, "a=1\nb\n"), "stats reply line 2"));
    EXPECT_TRUE(contains(parse_error(parse_stats_reply, "a=1\n=5"), "line 2: invalid key"));
    EXPECT_TRUE(contains(parse_error(parse_stats_reply, "a=1 b=2"), "line 1"));
    EXPECT_TRUE(contains(parse_error(parse_stats_reply, "a b=2"), "line 1"));
    EXPECT_TRUE(contains(parse_error(parse_stats_reply, "a=1\nb=2\na=3"), "line 3"));
    EXPECT_TRUE(contains(parse_error(parse_stats_reply, "a=1\nb=2\na=3"), "given twice"));
    EXPECT_TRUE(contains(parse_error(parse_stats_reply, "k!=1"), "invalid key"));
}

TEST(StatsReply, NumbersAreCheckedWhenAskedFor)
{
    const KeyValues stats = parse_stats_reply("mode=fast\n");
    EXPECT_THROW(stats.number("mode"), ParseError);
    EXPECT_THROW(stats.number("absent"), ParseError);
}

TEST(HealthReply, ReadsScoreStateAndDetails)
{
    const HealthReport health =
        parse_health_reply("score=72 state=warning spare_used_pct=81\nreason=spare_low\n");
    EXPECT_EQ(health.score, 72u);
    EXPECT_EQ(health.state, HealthState::warning);
    ASSERT_EQ(health.details.size(), 2u);
    EXPECT_EQ(health.details.number("spare_used_pct"), 81u);
    EXPECT_EQ(*health.details.find("reason"), "spare_low");
}

TEST(HealthReply, AcceptsNewlineSeparation)
{
    const HealthReport health = parse_health_reply("score=100\nstate=ok\n");
    EXPECT_EQ(health.score, 100u);
    EXPECT_EQ(health.state, HealthState::ok);
    EXPECT_TRUE(health.details.empty());
}

TEST(HealthReply, KeepsRepeatedDetails)
{
    const HealthReport health = parse_health_reply("score=0 state=failed reason=a reason=b");
    EXPECT_EQ(health.state, HealthState::failed);
    EXPECT_EQ(health.details.size(), 2u);
}

TEST(HealthReply, RejectsMalformedReplies)
{
    EXPECT_TRUE(contains(parse_error(parse_health_reply, ""), "empty"));
    EXPECT_TRUE(contains(parse_error(parse_health_reply, "score=50"), "state=<state> is missing"));
    EXPECT_TRUE(contains(parse_error(parse_health_reply, "state=ok score=50"), "score=<0-100> first"));
    EXPECT_TRUE(contains(parse_error(parse_health_reply, "score=101 state=ok"), "out of range"));
    EXPECT_TRUE(contains(parse_error(parse_health_reply, "score=x state=ok"), "expected a number"));
    EXPECT_TRUE(contains(parse_error(parse_health_reply, "score=5 state=bad"), "not one of"));
    EXPECT_TRUE(contains(parse_error(parse_health_reply, "score=5 health=ok"), "state=<state> after"));
    EXPECT_TRUE(contains(parse_error(parse_health_reply, "score=5 state=ok\nx=1 junk"),
                         "health reply line 2"));
}

TEST(CommitReply, ReadsTheSequenceNumber)
{
    EXPECT_EQ(parse_commit_reply("seq=42"), 42u);
    EXPECT_EQ(parse_commit_reply("seq=0\n"), 0u);
}

TEST(CommitReply, RejectsMalformedReplies)
{
    EXPECT_TRUE(contains(parse_error(parse_commit_reply, ""), "empty"));
    EXPECT_TRUE(contains(parse_error(parse_commit_reply, "seq="), "expected a number"));
    EXPECT_TRUE(contains(parse_error(parse_commit_reply, "sequence=4"), "expected 'seq=<n>'"));
    EXPECT_TRUE(contains(parse_error(parse_commit_reply, "42"), "expected key=value"));
    EXPECT_TRUE(contains(parse_error(parse_commit_reply, "seq=4 x"), "got 2 words"));
    EXPECT_TRUE(contains(parse_error(parse_commit_reply, "seq=4\nseq=5"), "line 2"));
}

}  // namespace
}  // namespace dmremap
