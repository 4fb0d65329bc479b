#include "metadata_repair.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "metadata_geometry.hpp"
#include "metadata_test_support.hpp"

namespace dmremap::metadata {
namespace {

using testing_support::check_builder;
using testing_support::check_bytes;
using testing_support::has_problem;
using testing_support::ImageBuilder;
using testing_support::listing;
using testing_support::loaded_remaps;

ImageBuilder populated()
{
    ImageBuilder b(8192);
    b.stage(0, 10);
    b.stage(1, 11, flag_auto);
    b.stage(127, 13, flag_lost, 0x3);
    b.stage(299, 14);
    b.commit();
    return b;
}

struct Repaired {
    RepairPlan plan;
    std::vector<std::uint8_t> bytes;
    CheckReport after;
    unsigned writes = 0;
};

Repaired repair(const std::vector<std::uint8_t>& bytes)
{
    MemoryImage image(bytes);
    const CheckReport before = check_metadata(image);
    Repaired result;
    result.plan = plan_repair(image, before);
    if (result.plan.needed && result.plan.possible)
        apply_repair(image, result.plan, 1800000000);
    result.bytes = image.bytes();
    result.writes = image.writes();
    result.after = check_metadata(image);
    return result;
}

// Every repaired image must check clean with both copies ok and the same
// commit in both.
void expect_healthy(const Repaired& r, const std::string& what)
{
    EXPECT_FALSE(r.after.damaged()) << what << "\n" << listing(r.after);
    EXPECT_EQ(r.after.note_count, 0u) << what << "\n" << listing(r.after);
    EXPECT_EQ(r.after.copies[0].status, CopyStatus::ok) << what;
    EXPECT_EQ(r.after.copies[1].status, CopyStatus::ok) << what;
}

TEST(MetadataRepair, LeavesACleanSpareAlone)
{
    const ImageBuilder b = populated();
    const Repaired r = repair(b.bytes());
    EXPECT_FALSE(r.plan.needed);
    EXPECT_TRUE(r.plan.possible);
    EXPECT_EQ(r.writes, 0u);
    EXPECT_EQ(r.bytes, b.bytes());
}

TEST(MetadataRepair, RewritesACopyWhoseLayoutTheKernelWouldNotUse)
{
    ImageBuilder b = populated();
    auto sb = b.superblock(1);
    sb.pool_blocks -= 1;  // fits, but is not copy 0's layout
    b.put_superblock(1, sb);
    const Repaired r = repair(b.bytes());
    EXPECT_TRUE(r.plan.needed);
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_EQ(r.plan.source, 0u);
    expect_healthy(r, "layout");
    EXPECT_EQ(r.after.copies[1].superblock->pool_blocks, b.superblock(0).pool_blocks);
    EXPECT_EQ(r.after.load_verdict(), LoadVerdict::ok);
}

TEST(MetadataRepair, RefusesASeqTheKernelWouldRefuseNext)
{
    ImageBuilder b = populated();
    auto sb = b.superblock(0);
    sb.seq = max_seq;  // valid, and the newest: nothing above it is
    b.put_superblock(0, sb);
    b.bytes()[b.superblock_offset(1) + 200] ^= 1;  // something to repair
    const Repaired r = repair(b.bytes());
    EXPECT_TRUE(r.plan.needed);
    EXPECT_FALSE(r.plan.possible);
    EXPECT_NE(r.plan.refusal.find("exhausted"), std::string::npos) << r.plan.refusal;
    EXPECT_EQ(r.writes, 0u);
}

TEST(MetadataRepair, RebuildsEachDamagedCopyFromTheOther)
{
    for (unsigned copy = 0; copy < 2; ++copy) {
        for (const bool superblock : {false, true}) {
            ImageBuilder b = populated();
            const auto expected = loaded_remaps(b.bytes());
            const std::uint64_t offset = superblock ? b.superblock_offset(copy) : b.table_offset(copy, 2);
            b.bytes()[offset + 200] ^= 0xff;
            const Repaired r = repair(b.bytes());
            const std::string what = "copy " + std::to_string(copy) + (superblock ? " sb" : " table");
            ASSERT_TRUE(r.plan.possible) << what << r.plan.refusal;
            EXPECT_EQ(r.plan.source, 1 - copy) << what;
            EXPECT_EQ(r.plan.first_copy, copy) << what;  // the damaged copy first
            EXPECT_EQ(r.plan.seq, b.seq() + 1) << what;
            expect_healthy(r, what);
            EXPECT_EQ(loaded_remaps(r.bytes), expected) << what;
            EXPECT_EQ(r.after.copies[0].superblock->seq, b.seq() + 1) << what;
            EXPECT_EQ(r.after.copies[0].superblock->commit_time, 1800000000u) << what;
        }
    }
}

TEST(MetadataRepair, RewritesADestroyedCopy)
{
    for (unsigned copy = 0; copy < 2; ++copy) {
        ImageBuilder b = populated();
        const auto expected = loaded_remaps(b.bytes());
        b.fill(b.superblock_offset(copy), b.geometry().copy_sectors * 512, 0x77);
        const Repaired r = repair(b.bytes());
        ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
        expect_healthy(r, "copy " + std::to_string(copy));
        EXPECT_EQ(loaded_remaps(r.bytes), expected);
        EXPECT_EQ(r.after.copies[1].sector, b.geometry().copy_offset[1]);
    }
}

TEST(MetadataRepair, HealsATornCopyAboveTheTornSeq)
{
    ImageBuilder b = populated();
    const auto old_remaps = loaded_remaps(b.bytes());
    b.stage(5, 50);
    const auto writes = b.commit(false);
    b.apply(writes.front());  // copy 0, table block 0, seq 3 over a seq 2 superblock
    ASSERT_EQ(check_builder(b).copies[0].status, CopyStatus::torn);
    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible);
    EXPECT_EQ(r.plan.source, 1u);
    EXPECT_EQ(r.plan.seq, 4u);  // above the torn block's 3
    expect_healthy(r, "torn");
    EXPECT_EQ(loaded_remaps(r.bytes), old_remaps);
}

TEST(MetadataRepair, BringsAStaleCopyUpToDate)
{
    ImageBuilder b = populated();
    b.stage(5, 50);
    const auto writes = b.commit(false);
    for (std::size_t i = 0; i < writes.size() / 2; ++i)
        b.apply(writes[i]);  // copy 0 only
    ASSERT_EQ(check_builder(b).copies[1].status, CopyStatus::stale);
    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible);
    EXPECT_EQ(r.plan.source, 0u);
    expect_healthy(r, "stale");
    EXPECT_EQ(loaded_remaps(r.bytes).at(5), 50u);
}

TEST(MetadataRepair, MergesTwoCopiesOfOneCommitBlockByBlock)
{
    ImageBuilder b = populated();
    const auto expected = loaded_remaps(b.bytes());
    b.bytes()[b.table_offset(0, 0) + 300] ^= 1;  // block 0 bad in copy 0
    b.bytes()[b.table_offset(1, 2) + 300] ^= 1;  // block 2 bad in copy 1
    b.fill(b.table_offset(1, 1), 4096, 0);       // block 1 bad in copy 1
    const CheckReport before = check_builder(b);
    ASSERT_FALSE(before.chosen);
    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_FALSE(r.plan.source);
    EXPECT_EQ(r.plan.block_source, (std::vector<std::uint8_t>{1, 0, 0}));
    expect_healthy(r, "merge");
    EXPECT_EQ(loaded_remaps(r.bytes), expected);
}

TEST(MetadataRepair, SalvagesABlockDamagedInBothCopies)
{
    ImageBuilder b = populated();
    const auto expected = loaded_remaps(b.bytes());
    // A free entry's ignored field: both CRCs go bad, the entries agree.
    b.bytes()[b.table_offset(0, 1) + 300] ^= 1;
    b.bytes()[b.table_offset(1, 1) + 300] ^= 1;
    const Repaired r = repair(b.bytes());
    EXPECT_TRUE(r.plan.needed);
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_TRUE(r.plan.salvage);
    EXPECT_FALSE(r.plan.lossy());
    expect_healthy(r, "salvage");
    EXPECT_EQ(loaded_remaps(r.bytes), expected);
}

TEST(MetadataRepair, SalvagesDifferentCommitsWhenEveryBlockIsKnown)
{
    ImageBuilder b = populated();
    b.stage(5, 50);
    const auto writes = b.commit(false);
    for (std::size_t i = 0; i < writes.size() / 2; ++i)
        b.apply(writes[i]);  // copy 0 at seq 3, copy 1 at seq 2
    b.bytes()[b.table_offset(0, 1) + 300] ^= 1;
    b.bytes()[b.table_offset(1, 0) + 300] ^= 1;
    const Repaired r = repair(b.bytes());
    // The copies cannot be merged, but every block's version of seq 3 is
    // known: copy 0's block 0 (its superblock holds seq 3) and copy 1's
    // block 1 (the same seq as copy 0's damaged one).
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_TRUE(r.plan.salvage);
    EXPECT_FALSE(r.plan.lossy());
    expect_healthy(r, "different commits");
    EXPECT_EQ(loaded_remaps(r.bytes).at(5), 50u);
}

TEST(MetadataRepair, RebuildsSuperblocksDamagedTheSameWayInBoth)
{
    ImageBuilder b = populated();
    const auto expected = loaded_remaps(b.bytes());
    // pool_offset, the same bit in both: the layout is recomputed.
    b.bytes()[b.superblock_offset(0) + 100] ^= 1;
    b.bytes()[b.superblock_offset(1) + 100] ^= 1;
    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_FALSE(r.plan.lossy());
    expect_healthy(r, "superblocks");
    EXPECT_EQ(r.after.copies[0].superblock->pool_offset, b.geometry().pool_offset);
    EXPECT_EQ(loaded_remaps(r.bytes), expected);

    const Repaired blank = repair(std::vector<std::uint8_t>(8192 * 512));
    EXPECT_FALSE(blank.plan.possible);
    EXPECT_NE(blank.plan.refusal.find("no dm-remap superblock"), std::string::npos);
}

TEST(MetadataRepair, RefusesTwoMetadataSets)
{
    ImageBuilder b = populated();
    auto sb = b.superblock(1);
    sb.uuid[0] ^= 1;
    b.put_superblock(1, sb);
    const Repaired r = repair(b.bytes());
    EXPECT_FALSE(r.plan.possible);
    EXPECT_NE(r.plan.refusal.find("two different metadata sets"), std::string::npos);
}

TEST(MetadataRepair, CorrectsCountersAndLostFlags)
{
    ImageBuilder b = populated();
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto sb = b.superblock(copy);
        sb.nr_remaps = 17;
        b.put_superblock(copy, sb);
        auto tb = b.table_block(copy, 0);
        tb.entries[0].flags = flag_lost;  // no sector lost
        tb.entries[1].lost[0] = 0xff;     // no LOST flag: the kernel loads it as not lost
        b.put_table_block(copy, 0, tb);
    }
    // The kernel loads all that (notes only): a bad superblock CRC in copy 1
    // makes the repair needed.
    b.bytes()[b.superblock_offset(1) + 200] ^= 1;
    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    expect_healthy(r, "counters");
    EXPECT_EQ(r.after.copies[0].superblock->nr_remaps, 4u);
    MemoryImage image(r.bytes);
    std::map<std::uint64_t, Entry> entries;
    for_each_remap(image, r.after.copies[0], [&](std::uint64_t s, const Entry& e) { entries[s] = e; });
    EXPECT_EQ(entries.at(0).flags, 0u);
    EXPECT_EQ(entries.at(1).flags, flag_auto);
    EXPECT_EQ(entries.at(1).lost[0], 0u);
    bool said = false;
    for (const std::string& action : r.plan.actions)
        said |= action.find("nr_remaps") != std::string::npos;
    EXPECT_TRUE(said);
}

TEST(MetadataRepair, FallsBackFromACopyThatMapsABlockTwice)
{
    ImageBuilder b = populated();
    b.stage(5, 50);
    const auto writes = b.commit(false);
    for (std::size_t i = 0; i < writes.size() / 2; ++i)
        b.apply(writes[i]);  // copy 0 at seq 3, copy 1 at seq 2
    auto tb = b.table_block(0, 0);
    tb.entries[6].block = 10;  // also on spare block 0
    b.put_table_block(0, 0, tb);
    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    EXPECT_EQ(r.plan.source, 1u);
    EXPECT_TRUE(r.plan.lossy());  // copy 0's seq 3 goes
    expect_healthy(r, "fallback");
    EXPECT_EQ(loaded_remaps(r.bytes).count(5), 0u);

    // With the same fault in both copies, a salvage keeps every remap but
    // the two of block 10, whose data may be on either spare block.
    ImageBuilder both = populated();
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto t = both.table_block(copy, 0);
        t.entries[6].block = 10;
        both.put_table_block(copy, 0, t);
    }
    const Repaired salvaged = repair(both.bytes());
    ASSERT_TRUE(salvaged.plan.possible) << salvaged.plan.refusal;
    EXPECT_TRUE(salvaged.plan.salvage);
    EXPECT_TRUE(salvaged.plan.lossy());
    ASSERT_EQ(salvaged.plan.losses.size(), 2u);
    EXPECT_NE(salvaged.plan.losses[0].find("block 10 is remapped more than once"), std::string::npos)
        << salvaged.plan.losses[0];
    expect_healthy(salvaged, "duplicates");
    const auto left = loaded_remaps(salvaged.bytes);
    EXPECT_EQ(left.count(0), 0u);
    EXPECT_EQ(left.count(6), 0u);
    EXPECT_EQ(left.at(1), 11u);
}

TEST(MetadataRepair, RaisesTableUsedOverEntriesInUse)
{
    ImageBuilder b = populated();  // table_used 300
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto tb = b.table_block(copy, 2);
        tb.entries[320 - 254].block = 99;
        b.put_table_block(copy, 2, tb);
    }
    // The kernel loads that (a note): a bad superblock CRC in copy 1 makes
    // the repair needed.
    b.bytes()[b.superblock_offset(1) + 200] ^= 1;
    const Repaired r = repair(b.bytes());
    ASSERT_TRUE(r.plan.possible) << r.plan.refusal;
    expect_healthy(r, "table_used");
    EXPECT_EQ(r.after.copies[0].superblock->table_used, 321u);
    EXPECT_EQ(loaded_remaps(r.bytes).at(320), 99u);
}

// An image that keeps every write, to replay a crash after each.
class RecordingImage final : public MetadataImage {
public:
    explicit RecordingImage(std::vector<std::uint8_t> bytes) : inner_(std::move(bytes)) {}
    std::string name() const override { return "(recording)"; }
    std::uint64_t size_bytes() const override { return inner_.size_bytes(); }
    int read(std::uint64_t offset, std::span<std::uint8_t> out) override { return inner_.read(offset, out); }
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override
    {
        writes.emplace_back(offset, std::vector<std::uint8_t>(data.begin(), data.end()));
        inner_.write(offset, data);
    }
    void flush() override {}

    std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>> writes;

private:
    MemoryImage inner_;
};

TEST(MetadataRepair, ACrashDuringARepairAlwaysLeavesAConsistentCopy)
{
    ImageBuilder b = populated();
    const auto expected = loaded_remaps(b.bytes());
    b.bytes()[b.table_offset(1, 1) + 300] ^= 1;
    const auto before = b.bytes();
    RecordingImage image(before);
    const RepairPlan plan = plan_repair(image, check_metadata(image));
    ASSERT_TRUE(plan.possible);
    apply_repair(image, plan, 1);
    ASSERT_EQ(image.writes.size(), 8u);  // 3 table blocks and a superblock per copy
    for (std::size_t k = 0; k <= image.writes.size(); ++k) {
        auto bytes = before;
        for (std::size_t i = 0; i < k; ++i)
            std::memcpy(bytes.data() + image.writes[i].first, image.writes[i].second.data(), 4096);
        const CheckReport r = check_bytes(bytes);
        ASSERT_TRUE(r.chosen) << k << "\n" << listing(r);
        EXPECT_EQ(loaded_remaps(bytes), expected) << k;
    }
}

TEST(MetadataRepair, TableBlockValidity)
{
    const ImageBuilder b = populated();
    const CheckReport r = check_builder(b);
    RawBlock raw;
    std::memcpy(raw.data(), b.bytes().data() + b.table_offset(1, 2), 4096);
    EXPECT_TRUE(table_block_valid(raw, 1, 2, *r.copies[1].superblock));
    EXPECT_FALSE(table_block_valid(raw, 0, 2, *r.copies[1].superblock));
    EXPECT_FALSE(table_block_valid(raw, 1, 1, *r.copies[1].superblock));
    Superblock older = *r.copies[1].superblock;
    older.seq = 1;
    EXPECT_FALSE(table_block_valid(raw, 1, 2, older));
}

}  // namespace
}  // namespace dmremap::metadata
