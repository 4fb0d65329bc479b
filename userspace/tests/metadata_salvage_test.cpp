#include "metadata_salvage.hpp"

#include <gtest/gtest.h>

#include <map>

#include "metadata_repair.hpp"
#include "metadata_test_support.hpp"

namespace dmremap::metadata {
namespace {

using testing_support::ImageBuilder;
using testing_support::listing;
using testing_support::loaded_remaps;

constexpr std::uint64_t kRemaps = 299;  // three table blocks, the last one partly

// 299 remaps: spare block s holds block 1000 + s; every 7th is automatic,
// every 50th has lost sectors.
ImageBuilder full_table(std::uint64_t spare_sectors = 8192)
{
    ImageBuilder b(spare_sectors);
    for (std::uint32_t s = 0; s < kRemaps; ++s) {
        const bool lost = s % 50 == 0;
        b.stage(s, 1000 + s, (s % 7 == 0 ? flag_auto : 0) | (lost ? flag_lost : 0), lost ? 0x5 : 0);
    }
    b.commit();
    return b;
}

std::map<std::uint64_t, std::uint64_t> expected_remaps(std::initializer_list<std::uint64_t> missing = {})
{
    std::map<std::uint64_t, std::uint64_t> remaps;
    for (std::uint64_t s = 0; s < kRemaps; ++s)
        remaps[s] = 1000 + s;
    for (const std::uint64_t s : missing)
        remaps.erase(s);
    return remaps;
}

std::map<std::uint64_t, std::uint64_t> recovered(const SalvageResult& salvage)
{
    std::map<std::uint64_t, std::uint64_t> remaps;
    for (const RecoveredEntry& e : salvage.entries)
        remaps[e.spare_block] = e.entry.block;
    return remaps;
}

std::string unrecovered_listing(const SalvageResult& salvage)
{
    std::string text;
    for (const Unrecovered& u : salvage.unrecovered)
        text += u.reason + "\n";
    return text;
}

struct Salvaged {
    CheckReport report;
    SalvageResult salvage;
};

Salvaged salvage(const std::vector<std::uint8_t>& bytes)
{
    MemoryImage image(bytes);
    Salvaged s{check_metadata(image), {}};
    s.salvage = salvage_metadata(image, s.report);
    return s;
}

struct Repaired {
    RepairPlan plan;
    CheckReport after;
    std::vector<std::uint8_t> bytes;
};

Repaired repair(const std::vector<std::uint8_t>& bytes)
{
    MemoryImage image(bytes);
    const CheckReport before = check_metadata(image);
    Repaired r{plan_repair(image, before), {}, {}};
    if (r.plan.possible && r.plan.needed)
        apply_repair(image, r.plan, 1800000000);
    r.after = check_metadata(image);
    r.bytes = image.bytes();
    return r;
}

void flip_bit(ImageBuilder& b, std::uint64_t offset, unsigned bit)
{
    b.bytes()[offset] ^= static_cast<std::uint8_t>(1u << bit);
}

// The byte offset of a superblock field in copy c.
std::uint64_t superblock_field(const ImageBuilder& b, unsigned c, std::size_t field_offset)
{
    return b.superblock_offset(c) + field_offset;
}

// Found by the fuzzer: damaged superblocks that both put the main device
// below one block. Salvage offered that layout, and its dump did not parse
// (restore and the kernel refuse a target of no whole block).
TEST(Salvage, RefusesWhenNoSuperblockGivesAMainDeviceOfOneBlock)
{
    ImageBuilder b = full_table();
    for (unsigned c = 0; c < 2; ++c) {
        const std::uint64_t at = superblock_field(b, c, offsetof(dm_remap_disk_superblock, main_sectors));
        for (unsigned i = 0; i < 8; ++i)
            b.bytes()[at + i] = i == 0 ? 7 : 0;  // 7 sectors: less than one 4 KiB block
    }

    const Salvaged s = salvage(b.bytes());
    EXPECT_EQ(s.report.chosen, std::nullopt) << listing(s.report);
    EXPECT_FALSE(s.salvage.possible());
    EXPECT_NE(s.salvage.refusal.find("at least one block"), std::string::npos) << s.salvage.refusal;
}

TEST(Salvage, OneBitFlippedInEachSuperblockWithTheTablesIntact)
{
    ImageBuilder b = full_table();
    const auto original = b.superblock(0);
    flip_bit(b, superblock_field(b, 0, offsetof(dm_remap_disk_superblock, pool_blocks)), 3);
    flip_bit(b, superblock_field(b, 1, offsetof(dm_remap_disk_superblock, copy_sectors)), 4);

    const Salvaged s = salvage(b.bytes());
    EXPECT_EQ(s.report.chosen, std::nullopt) << listing(s.report);
    ASSERT_TRUE(s.salvage.possible()) << s.salvage.refusal;
    EXPECT_TRUE(s.salvage.complete()) << unrecovered_listing(s.salvage);
    EXPECT_EQ(recovered(s.salvage), expected_remaps());
    const Superblock& sb = *s.salvage.superblock;
    EXPECT_EQ(sb.pool_blocks, original.pool_blocks);
    EXPECT_EQ(sb.copy_sectors, original.copy_sectors);
    EXPECT_EQ(sb.copy_offset[1], original.copy_offset[1]);
    EXPECT_EQ(sb.main_sectors, original.main_sectors);
    EXPECT_EQ(sb.table_used, kRemaps);
    EXPECT_EQ(sb.nr_remaps, kRemaps);
    // Each entry read from both copies, which agree.
    EXPECT_EQ(s.salvage.entries.front().source.copies, (std::vector<unsigned>{0, 1}));
    EXPECT_EQ(s.salvage.entries[130].source.table_block, 1u);

    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_TRUE(r.plan.salvage.has_value());
    EXPECT_FALSE(r.plan.lossy());
    EXPECT_FALSE(r.after.damaged()) << listing(r.after);
    EXPECT_EQ(loaded_remaps(r.bytes), expected_remaps());
}

TEST(Salvage, SuperblocksThatDisagreeOnMainSectorsLeaveADoubt)
{
    ImageBuilder b = full_table();
    flip_bit(b, superblock_field(b, 0, offsetof(dm_remap_disk_superblock, pool_blocks)), 3);
    flip_bit(b, superblock_field(b, 1, offsetof(dm_remap_disk_superblock, main_sectors)) + 3, 1);

    const Salvaged s = salvage(b.bytes());
    ASSERT_TRUE(s.salvage.possible()) << s.salvage.refusal;
    EXPECT_EQ(recovered(s.salvage), expected_remaps());
    // The smaller value every entry fits is taken, and said to be a guess.
    EXPECT_EQ(s.salvage.superblock->main_sectors, std::uint64_t{1} << 21);
    ASSERT_EQ(s.salvage.unrecovered.size(), 1u) << unrecovered_listing(s.salvage);
    EXPECT_NE(s.salvage.unrecovered[0].reason.find("main_sectors"), std::string::npos);

    const Repaired r = repair(b.bytes());
    EXPECT_TRUE(r.plan.lossy());
}

TEST(Salvage, OneBadEntryInATableBlockOfBothCopiesLosesOnlyThatEntry)
{
    // Each fault makes the kernel refuse the whole copy (entry_valid()).
    struct Case {
        std::uint32_t flags;
        std::uint64_t lost0;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {0x80, 0, "unknown flags"},
        {0, 0x100, "beyond the 8"},  // sector 8 of a 4 KiB block
    };
    for (const Case& c : cases) {
        ImageBuilder b = full_table();
        for (unsigned copy = 0; copy < 2; ++copy) {
            auto tb = b.table_block(copy, 1);
            tb.entries[5].flags = c.flags;
            tb.entries[5].lost[0] = c.lost0;
            b.put_table_block(copy, 1, tb);
        }
        const std::uint64_t bad_spare = 127 + 5;

        const Salvaged s = salvage(b.bytes());
        EXPECT_EQ(s.report.chosen, std::nullopt) << c.reason;
        ASSERT_TRUE(s.salvage.possible()) << s.salvage.refusal;
        EXPECT_EQ(recovered(s.salvage), expected_remaps({bad_spare})) << c.reason;
        ASSERT_EQ(s.salvage.unrecovered.size(), 1u) << unrecovered_listing(s.salvage);
        EXPECT_EQ(s.salvage.unrecovered[0].spare_block, bad_spare) << c.reason;
        EXPECT_NE(s.salvage.unrecovered[0].reason.find(c.reason), std::string::npos)
            << s.salvage.unrecovered[0].reason;

        // The other remaps kept, but only with --force: one is dropped.
        const Repaired r = repair(b.bytes());
        ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
        EXPECT_TRUE(r.plan.lossy()) << c.reason;
        EXPECT_FALSE(r.after.damaged()) << listing(r.after);
        EXPECT_EQ(loaded_remaps(r.bytes), expected_remaps({bad_spare})) << c.reason;
    }
}

TEST(Salvage, BitFlipsInDifferentEntriesOfBothCopiesKeepTheEntriesThatAgree)
{
    ImageBuilder b = full_table();
    // No reseal: both blocks' CRCs go bad.
    flip_bit(b, b.table_offset(0, 1) + 32 + 5 * 32, 0);  // entry 5's block
    flip_bit(b, b.table_offset(1, 1) + 32 + 9 * 32, 0);  // entry 9's block

    const Salvaged s = salvage(b.bytes());
    ASSERT_TRUE(s.salvage.possible()) << s.salvage.refusal;
    EXPECT_EQ(recovered(s.salvage), expected_remaps({127 + 5, 127 + 9}))
        << unrecovered_listing(s.salvage);
    EXPECT_EQ(s.salvage.unrecovered_count, 2u) << unrecovered_listing(s.salvage);
    const auto agreeing = std::find_if(s.salvage.entries.begin(), s.salvage.entries.end(),
                                       [](const RecoveredEntry& e) { return e.spare_block == 127; });
    ASSERT_NE(agreeing, s.salvage.entries.end());
    EXPECT_FALSE(agreeing->source.crc_ok);
    EXPECT_NE(describe(agreeing->source).find("both CRCs bad"), std::string::npos);
}

TEST(Salvage, AnImageOneHundredBytesShortKeepsEveryRemap)
{
    ImageBuilder b = full_table();
    std::vector<std::uint8_t> bytes = b.bytes();
    bytes.resize(bytes.size() - 100);

    const Salvaged s = salvage(bytes);
    EXPECT_EQ(s.report.chosen, std::nullopt) << listing(s.report);
    ASSERT_TRUE(s.salvage.possible()) << s.salvage.refusal;
    EXPECT_TRUE(s.salvage.complete()) << unrecovered_listing(s.salvage);
    EXPECT_EQ(recovered(s.salvage), expected_remaps());
    EXPECT_EQ(s.salvage.superblock->spare_sectors, 8192u);  // the dump keeps the layout

    // A repair moves copy 1 to where the kernel looks on the shorter
    // device and keeps the pool.
    const Repaired r = repair(bytes);
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_FALSE(r.plan.lossy());
    EXPECT_FALSE(r.after.damaged()) << listing(r.after);
    EXPECT_EQ(r.after.copies[0].superblock->pool_offset, b.geometry().pool_offset);
    EXPECT_EQ(r.after.copies[0].superblock->spare_sectors, 8191u);
    EXPECT_EQ(loaded_remaps(r.bytes), expected_remaps());
}

TEST(Salvage, ASpareGrownAfterCopy0WasLostIsNotBlank)
{
    ImageBuilder b = full_table();
    std::vector<std::uint8_t> bytes = b.bytes();
    std::fill_n(bytes.begin(), b.geometry().copy_sectors * 512, 0);  // copy 0 gone
    bytes.resize(bytes.size() * 2);                                   // the spare grew

    const Salvaged s = salvage(bytes);
    EXPECT_FALSE(s.report.no_metadata);
    EXPECT_FALSE(s.report.blank);
    EXPECT_TRUE(s.report.damaged());
    EXPECT_TRUE(s.report.copies[1].found_by_scan);
    EXPECT_EQ(*s.report.copies[1].sector, b.geometry().copy_offset[1]);
    EXPECT_TRUE(testing_support::has_problem(s.report, Severity::damage, 1, std::nullopt, "",
                                             "found only by a scan"))
        << listing(s.report);
    ASSERT_TRUE(s.salvage.possible()) << s.salvage.refusal;
    EXPECT_TRUE(s.salvage.complete()) << unrecovered_listing(s.salvage);
    EXPECT_EQ(recovered(s.salvage), expected_remaps());
    EXPECT_EQ(s.salvage.entries.front().source.copies, std::vector<unsigned>{1});

    const Repaired r = repair(bytes);
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_FALSE(r.plan.lossy());
    EXPECT_FALSE(r.after.damaged()) << listing(r.after);
    EXPECT_EQ(loaded_remaps(r.bytes), expected_remaps());
}

TEST(Salvage, ABlankSpareIsBlankOnlyWithoutMetadataAnywhere)
{
    const Salvaged blank = salvage(std::vector<std::uint8_t>(8192 * 512));
    EXPECT_TRUE(blank.report.no_metadata);
    EXPECT_TRUE(blank.report.blank);
    EXPECT_FALSE(blank.salvage.possible());

    // Only table blocks left, somewhere the kernel does not look.
    ImageBuilder b = full_table();
    std::vector<std::uint8_t> bytes = b.bytes();
    std::fill_n(bytes.begin(), 4096, 0);
    std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(b.superblock_offset(1)), 4096, 0);
    std::fill_n(bytes.begin() + 8 * 512, 3 * 4096, 0);  // copy 0's table too
    bytes.resize(bytes.size() * 2);
    const Salvaged tables = salvage(bytes);
    EXPECT_FALSE(tables.report.no_metadata) << listing(tables.report);
    EXPECT_FALSE(tables.report.blank);
    EXPECT_TRUE(tables.report.damaged());
    EXPECT_TRUE(testing_support::has_problem(tables.report, Severity::damage, std::nullopt,
                                             std::nullopt, "", "superblocks are lost"))
        << listing(tables.report);
}

TEST(Salvage, ANewerDamagedCopyIsNeverDroppedSilently)
{
    ImageBuilder b = full_table();
    b.stage(299, 5000);
    const auto writes = b.commit(false);
    for (const auto& w : writes)
        if (w.copy == 1)
            b.apply(w);  // copy 1 holds seq 3, copy 0 seq 2
    // Copy 1's superblock is fine, its table block 2 is wiped.
    b.fill(b.table_offset(1, 2), 4096, 0);

    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_TRUE(r.plan.lossy());
    std::string losses;
    for (const std::string& loss : r.plan.losses)
        losses += loss + "\n";
    EXPECT_NE(losses.find("seq 3"), std::string::npos) << losses;
}

TEST(Salvage, RefusesANewerFormat)
{
    ImageBuilder b = full_table();
    for (unsigned c = 0; c < 2; ++c) {
        auto sb = b.superblock(c);
        sb.version = 2;
        b.put_superblock(c, sb);
    }
    const Salvaged s = salvage(b.bytes());
    EXPECT_TRUE(s.report.newer_format);
    EXPECT_FALSE(s.salvage.possible());
    EXPECT_NE(s.salvage.refusal.find("upgrade dmremap"), std::string::npos);
    EXPECT_TRUE(testing_support::has_problem(s.report, Severity::damage, std::nullopt, std::nullopt,
                                             "", "upgrade dmremap"))
        << listing(s.report);
    const Repaired r = repair(b.bytes());
    EXPECT_FALSE(r.plan.possible);
    EXPECT_NE(r.plan.refusal.find("upgrade dmremap"), std::string::npos);
}

}  // namespace
}  // namespace dmremap::metadata
