#include "block_list.hpp"

#include <gtest/gtest.h>

namespace dmremap {
namespace {

std::vector<std::uint64_t> numbers(const BlockList& list)
{
    std::vector<std::uint64_t> out;
    for (const ListedBlock& b : list.blocks)
        out.push_back(b.number);
    return out;
}

TEST(BlockList, ReadsBadblocksOutput)
{
    // What `badblocks -o FILE` writes: one number per line.
    const BlockList list = parse_block_list("1000\n1001\n52364\n");
    EXPECT_TRUE(list.errors.empty());
    EXPECT_EQ(numbers(list), (std::vector<std::uint64_t>{1000, 1001, 52364}));
    EXPECT_EQ(list.blocks[2].line, 3u);
}

TEST(BlockList, AllowsBlanksCommentsAndCrLf)
{
    const BlockList list = parse_block_list("# from smartctl -l selftest\n\n  77 \r\n\t78\n# end");
    EXPECT_TRUE(list.errors.empty());
    EXPECT_EQ(numbers(list), (std::vector<std::uint64_t>{77, 78}));
    EXPECT_EQ(list.blocks[0].line, 3u);
    EXPECT_TRUE(parse_block_list("").blocks.empty());
}

TEST(BlockList, NamesEveryBadLine)
{
    const BlockList list = parse_block_list("5\nfive\n-3\n0x10\n7 8\n18446744073709551616\n9\n");
    EXPECT_EQ(numbers(list), (std::vector<std::uint64_t>{5, 9}));
    ASSERT_EQ(list.errors.size(), 5u);
    EXPECT_EQ(list.errors[0], (BlockListError{2, "five", "expected a number, got 'five'"}));
    EXPECT_EQ(list.errors[1].line, 3u);
    EXPECT_EQ(list.errors[2].text, "0x10");
    EXPECT_EQ(list.errors[3].line, 5u);
    EXPECT_EQ(list.errors[4].line, 6u);
    EXPECT_NE(list.errors[4].problem.find("out of range"), std::string::npos);
}

TEST(BlockMapping, BadblocksBlocksOfOneKiBOnFourKiBBlocks)
{
    // 1 KiB blocks 0-3 are dm-remap block 0, 4 is block 1, 4099 is block 1024.
    const BlockMapping m =
        map_listed_blocks({{0, 1}, {3, 2}, {4, 3}, {4099, 4}, {1, 5}}, 1024, 4096, 2048);
    EXPECT_TRUE(m.errors.empty());
    EXPECT_EQ(m.blocks, (std::vector<std::uint64_t>{0, 1, 1024}));
}

TEST(BlockMapping, LbasOfFiveHundredTwelveBytes)
{
    const BlockMapping m = map_listed_blocks({{7, 1}, {8, 2}, {15, 3}, {16, 4}}, 512, 4096, 100);
    EXPECT_EQ(m.blocks, (std::vector<std::uint64_t>{0, 1, 2}));
}

TEST(BlockMapping, AListedBlockLargerThanABlockCoversSeveral)
{
    const BlockMapping m = map_listed_blocks({{1, 1}}, 4096, 512, 100);
    EXPECT_EQ(m.blocks, (std::vector<std::uint64_t>{8, 9, 10, 11, 12, 13, 14, 15}));
}

TEST(BlockMapping, RefusesBlocksBeyondTheDeviceAndClipsTheLast)
{
    // 10 blocks of 4 KiB = 40 1-KiB blocks (0-39).
    const BlockMapping m =
        map_listed_blocks({{39, 1}, {40, 2}, {UINT64_MAX, 3}, {UINT64_MAX / 1024 + 1, 4}}, 1024, 4096, 10);
    EXPECT_EQ(m.blocks, (std::vector<std::uint64_t>{9}));
    ASSERT_EQ(m.errors.size(), 3u);
    EXPECT_EQ(m.errors[0], (BlockListError{2, "40", "beyond the end of the device (40 blocks of 1024 bytes)"}));
    EXPECT_EQ(m.errors[1].line, 3u);
    EXPECT_EQ(m.errors[2].line, 4u);
    // 3 KiB input blocks: block 13 (bytes 39936-43007) runs past 40960; maps 9.
    const BlockMapping clipped = map_listed_blocks({{13, 1}}, 3072, 4096, 10);
    EXPECT_TRUE(clipped.errors.empty());
    EXPECT_EQ(clipped.blocks, (std::vector<std::uint64_t>{9}));
}

}  // namespace
}  // namespace dmremap
