#include "fs_owners.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "error.hpp"
#include "lost_files_render.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace dmremap {
namespace {

TEST(Icheck, ReadsOwnersAndBlocksInNoFile)
{
    const auto owner = parse_icheck("Block\tInode number\n1234\t12\n5678\t<block not found>\n");
    ASSERT_EQ(owner.size(), 2u);
    EXPECT_EQ(owner.at(1234), 12u);
    EXPECT_FALSE(owner.at(5678));
    EXPECT_THROW(parse_icheck("Block\tInode number\n1234 12\n"), ParseError);
    EXPECT_THROW(parse_icheck("x\t12\n"), ParseError);
}

TEST(Ncheck, ReadsEveryPathOfAnInode)
{
    const auto paths = parse_ncheck("Inode\tPathname\n12\t/d0/f1\n12\t/d1/link to f1\n13\t//x\n");
    EXPECT_EQ(paths.at(12), (std::vector<std::string>{"/d0/f1", "/d1/link to f1"}));
    EXPECT_EQ(paths.at(13), (std::vector<std::string>{"/x"}));
    EXPECT_THROW(parse_ncheck("12 /x\n"), ParseError);
}

TEST(Blockuse, ReadsTypeInodeAndPath)
{
    const auto uses = parse_blockuse(
        "block 1234 (0/1234) type data inode 131 d0/my file\n"
        "block 20 (0/20) type log\n"
        "block 21 (0/21) type data inode 132\n");
    ASSERT_EQ(uses.size(), 3u);
    EXPECT_EQ(uses[0], (XfsBlockUse{1234, 0, 1234, "data", 131u, "/d0/my file"}));
    EXPECT_EQ(uses[1], (XfsBlockUse{20, 0, 20, "log", std::nullopt, ""}));
    EXPECT_EQ(uses[2], (XfsBlockUse{21, 0, 21, "data", 132u, ""}));
    EXPECT_EQ(parse_blockuse("block 8388613 (2/5) type sb\n")[0].ag, 2u);
    EXPECT_THROW(parse_blockuse("block 1 0/1 type data\n"), ParseError);
    EXPECT_THROW(parse_blockuse("block x (0/1) type data\n"), ParseError);
    EXPECT_THROW(parse_blockuse("block 1 (0/1) kind data\n"), ParseError);
}

TEST(XfsGeometry, ReadsBlockSizeAndAgBlocks)
{
    std::vector<std::uint8_t> sector(512, 0);
    const auto put = [&sector](std::size_t at, std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            sector[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
    };
    put(0, 0x58465342);
    put(4, 4096);
    put(84, 20480);
    EXPECT_EQ(parse_xfs_superblock(sector).block_size, 4096u);
    EXPECT_EQ(parse_xfs_superblock(sector).ag_blocks, 20480u);
    put(4, 4095);
    EXPECT_THROW(parse_xfs_superblock(sector), ParseError);
    put(0, 0);
    EXPECT_THROW(parse_xfs_superblock(sector), ParseError);
}

TEST(XfsLookups, StandOnTheNearestReadableBlockBefore)
{
    const XfsGeometry g{4096, 100};
    // Block 41 (sectors 328-335) lost 330-331: stand on block 40, show 2.
    // Blocks 149 and 150 (AG 1, blocks 49, 50) lost: block 150 from 148.
    std::vector<std::uint64_t> lost{330, 331, 1192, 1200, 1207};
    const std::vector<XfsLookup> lookups = plan_xfs_lookups(lost, g);
    ASSERT_EQ(lookups.size(), 3u);
    EXPECT_EQ(lookups[0], (XfsLookup{41, 0, 41, 320, 2, {330, 331}}));
    EXPECT_EQ(lookups[1], (XfsLookup{149, 1, 49, 1184, 2, {1192}}));
    EXPECT_EQ(lookups[2], (XfsLookup{150, 1, 50, 1184, 3, {1200, 1207}}));
    // The first block of an AG has no block before it there.
    EXPECT_THROW(plan_xfs_lookups({800}, g), OperationError);
    // Further back than max_xfs_lookback blocks, it gives up.
    std::vector<std::uint64_t> run;
    for (std::uint64_t b = 1; b <= max_xfs_lookback + 1; ++b)
        run.push_back(b * 8);
    EXPECT_EQ(plan_xfs_lookups(std::vector<std::uint64_t>(run.begin(), run.end() - 1), g).back().count,
              max_xfs_lookback + 1);
    EXPECT_THROW(plan_xfs_lookups(run, XfsGeometry{4096, 1000}), OperationError);
}

TEST(FindLostOwners, RefusesUnknownFileSystems)
{
    EXPECT_THROW(find_lost_owners("/dev/null", FilesystemInfo{"", std::nullopt}, {1}), OperationError);
    EXPECT_THROW(find_lost_owners("/dev/null", FilesystemInfo{"btrfs", 4096u}, {1}), OperationError);
    EXPECT_THROW(find_lost_owners("/dev/null", FilesystemInfo{"ext4", std::nullopt}, {1}), OperationError);
}

// The whole ext4 path on an image made with mkfs.ext4 and debugfs -w.
TEST(FindLostOwners, NamesTheFileOfAnExt4Image)
{
    testing_support::TempDir dir;
    const std::string image = (dir.path() / "ext4.img").string();
    const std::string data = (dir.path() / "data").string();
    const ProcessResult made = run_process(
        {"sh", "-c", "head -c 20000 /dev/zero | tr '\\0' x > " + data + " && truncate -s 16M " + image +
                         " && mkfs.ext4 -q -b 4096 " + image + " && debugfs -w -R 'mkdir d0' " + image +
                         " && debugfs -w -R 'write " + data + " d0/f1' " + image});
    if (made.exit_status != 0)
        GTEST_SKIP() << "cannot make an ext4 image: " << made.err;
    const FilesystemInfo fs = probe_filesystem(image);
    ASSERT_EQ(fs.type, "ext4");
    ASSERT_EQ(fs.block_size, 4096u);
    const ProcessResult stat = run_process({"debugfs", "-R", "bmap d0/f1 0", image});
    const std::uint64_t block = std::stoull(stat.out);
    // Sector 3 of the file's first block, and sector 0 (the superblock area).
    const LostOwners owners = find_lost_owners(image, fs, {0, block * 8 + 3});
    EXPECT_EQ(owners.filesystem, "ext4");
    ASSERT_EQ(owners.files.size(), 1u);
    EXPECT_EQ(owners.files[0].paths, (std::vector<std::string>{"/d0/f1"}));
    EXPECT_EQ(owners.files[0].sectors, (std::vector<std::uint64_t>{block * 8 + 3}));
    ASSERT_EQ(owners.unowned.size(), 1u);
    EXPECT_EQ(owners.unowned[0].first, 0u);
}

TEST(Subprocess, CollectsOutputAndStatus)
{
    const ProcessResult r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_EQ(r.exit_status, 3);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
    try {
        run_process({"dmremap-test-no-such-program"});
        FAIL() << "no error";
    } catch (const OperationError& error) {
        EXPECT_EQ(error.error_code(), ENOENT);
    }
}

TEST(LostFilesRender, RangesFlagsTextAndJson)
{
    EXPECT_EQ(cli::sector_ranges({}), "");
    EXPECT_EQ(cli::sector_ranges({1, 2, 3, 7, 9, 10}), "1-3,7,9-10");
    EXPECT_EQ(cli::remap_flag_names("LA"), (std::vector<std::string>{"lost", "auto"}));
    EXPECT_EQ(cli::remap_flag_names("-"), (std::vector<std::string>{}));
    EXPECT_EQ(cli::remap_flag_names("M"), (std::vector<std::string>{"moving"}));
    EXPECT_EQ(cli::remap_flag_names("U"), (std::vector<std::string>{"uncertain"}));

    cli::LostFilesReport report;
    report.blocks.push_back(cli::LostBlock{1000, 0, {"lost", "auto"}, {8006, 8007}});
    report.owners.filesystem = "ext4";
    report.owners.files.push_back(LostFile{12, {"/d0/f1"}, {8006}});
    report.owners.unowned = {{8007, "free space or file system metadata"}};
    std::ostringstream out;
    cli::write_lost_files_text(out, report);
    EXPECT_EQ(out.str(),
              "/d0/f1 (inode 12): sectors 8006\n"
              "(no file: free space or file system metadata): sectors 8007\n");
    const cli::Json document = cli::lost_files_json(cli::DeviceId{"r0", "dm-0"}, report);
    EXPECT_EQ(document.begin().key(), "schema");
    EXPECT_EQ(document["filesystem"], "ext4");
    EXPECT_EQ(document["blocks"][0]["flags"], cli::Json::parse(R"(["lost","auto"])"));
    EXPECT_EQ(document["files"][0]["paths"][0], "/d0/f1");
    EXPECT_EQ(document["unowned"][0]["sector"], 8007);
}

}  // namespace
}  // namespace dmremap
