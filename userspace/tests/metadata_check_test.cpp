#include "metadata_check.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

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

constexpr std::uint64_t spare_sectors = 8192;  // 4 MiB: 1004 spare blocks of 4 KiB

// A spare with remaps in table blocks 0, 1 and 2 (table_used 300).
ImageBuilder populated()
{
    ImageBuilder b(spare_sectors);
    b.stage(0, 10);
    b.stage(1, 11, flag_auto);
    b.stage(126, 12);
    b.stage(127, 13, flag_lost, 0x3);
    b.stage(299, 14);
    b.commit();
    b.stage(200, 15);
    b.stage(1, 11, flag_auto);
    b.commit();
    return b;
}

TEST(MetadataCheck, AFreshFormatIsClean)
{
    ImageBuilder b(spare_sectors);
    const CheckReport r = check_builder(b);
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_EQ(r.note_count, 0u) << listing(r);
    ASSERT_TRUE(r.chosen);
    EXPECT_EQ(*r.chosen, 0u);
    EXPECT_EQ(r.copies[0].status, CopyStatus::ok);
    EXPECT_EQ(r.copies[1].status, CopyStatus::ok);
    EXPECT_EQ(r.copies[1].sector, b.geometry().copy_offset[1]);
    EXPECT_EQ(r.copies[0].remaps, 0u);
}

TEST(MetadataCheck, APopulatedSpareIsClean)
{
    const ImageBuilder b = populated();
    const CheckReport r = check_builder(b);
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_EQ(r.note_count, 0u) << listing(r);
    ASSERT_TRUE(r.chosen);
    EXPECT_EQ(*r.chosen, 0u);  // copy 0 on a tie, as the kernel
    EXPECT_EQ(r.copies[0].superblock->seq, 3u);
    EXPECT_EQ(r.copies[0].remaps, 6u);
    EXPECT_EQ(r.copies[1].remaps, 6u);
    const auto remaps = loaded_remaps(b.bytes());
    EXPECT_EQ(remaps.size(), 6u);
    EXPECT_EQ(remaps.at(127), 13u);
    EXPECT_EQ(remaps.at(299), 14u);
}

TEST(MetadataCheck, EveryBlockSizeIsClean)
{
    for (std::uint32_t bs = 512; bs <= 65536; bs <<= 1) {
        ImageBuilder b(32768, bs, std::uint64_t{1} << 24);
        b.stage(0, 5);
        b.stage(static_cast<std::uint32_t>(b.geometry().pool_blocks - 1), 6);
        b.commit();
        const CheckReport r = check_builder(b);
        EXPECT_FALSE(r.damaged()) << bs << "\n" << listing(r);
        ASSERT_TRUE(r.chosen) << bs;
        EXPECT_EQ(r.copies[0].remaps, 2u) << bs;
    }
}

// ---------------------------------------------------------------------------
// Superblocks

struct SuperblockCase {
    SuperblockField field;
    enum Expect { fault, missing, uuid_conflict, layout, disagree, clean, nr_remaps } expect;
    std::vector<std::string> fields;  // acceptable fault fields, for fault and disagree
};

// What setting every byte of a field to 0xff (and resealing the CRC) does.
const std::vector<SuperblockCase> superblock_cases = {
    {SuperblockField::magic, SuperblockCase::missing, {}},
    {SuperblockField::version, SuperblockCase::fault, {"version"}},
    {SuperblockField::copy, SuperblockCase::fault, {"copy"}},
    {SuperblockField::seq, SuperblockCase::fault, {"seq"}},  // above 2^63-1
    {SuperblockField::uuid, SuperblockCase::uuid_conflict, {}},
    {SuperblockField::block_size, SuperblockCase::fault, {"block_size"}},
    {SuperblockField::meta_block_size, SuperblockCase::fault, {"meta_block_size"}},
    {SuperblockField::main_sectors, SuperblockCase::layout, {"main_sectors"}},
    {SuperblockField::spare_sectors, SuperblockCase::disagree, {"spare_sectors"}},
    {SuperblockField::copy_offset_0, SuperblockCase::fault, {"copy_offset[0]"}},
    {SuperblockField::copy_offset_1, SuperblockCase::fault, {"copy_offset[1]", "pool_blocks"}},
    {SuperblockField::copy_sectors, SuperblockCase::fault,
     {"copy_sectors", "pool_offset", "copy_offset[1]"}},
    {SuperblockField::table_blocks, SuperblockCase::fault, {"copy_sectors"}},
    {SuperblockField::pool_offset, SuperblockCase::fault, {"pool_blocks"}},
    {SuperblockField::pool_blocks, SuperblockCase::fault, {"pool_blocks"}},
    {SuperblockField::table_used, SuperblockCase::fault, {"table_used"}},
    {SuperblockField::nr_remaps, SuperblockCase::nr_remaps, {}},
    {SuperblockField::format_time, SuperblockCase::disagree, {"format_time"}},
    {SuperblockField::commit_time, SuperblockCase::clean, {}},
};

TEST(MetadataCheck, EverySuperblockFieldCorruptedInTurnWithAGoodCrc)
{
    ASSERT_EQ(superblock_cases.size() + 1, all_superblock_fields().size());  // all but crc
    for (unsigned copy = 0; copy < 2; ++copy) {
        for (const SuperblockCase& c : superblock_cases) {
            ImageBuilder b = populated();
            const Field f = field(c.field);
            b.fill(b.superblock_offset(copy) + f.offset, f.size, 0xff);
            b.reseal(b.superblock_offset(copy));
            const CheckReport r = check_builder(b);
            const std::string what = "copy " + std::to_string(copy) + " field " + f.name + "\n" +
                                     listing(r);
            const unsigned other = 1 - copy;
            switch (c.expect) {
            case SuperblockCase::fault: {
                EXPECT_TRUE(r.damaged()) << what;
                EXPECT_EQ(r.copies[copy].superblock_status, SuperblockStatus::damaged) << what;
                EXPECT_EQ(r.copies[copy].status, CopyStatus::damaged) << what;
                bool named = false;
                for (const std::string& name : c.fields)
                    named |= has_problem(r, Severity::damage, copy, 0, name);
                EXPECT_TRUE(named) << what;
                ASSERT_TRUE(r.chosen) << what;
                EXPECT_EQ(*r.chosen, other) << what;
                break;
            }
            case SuperblockCase::missing:
                EXPECT_TRUE(r.damaged()) << what;
                EXPECT_EQ(r.copies[copy].status, CopyStatus::missing) << what;
                EXPECT_TRUE(has_problem(r, Severity::damage, copy, std::nullopt, "", "missing"))
                    << what;
                ASSERT_TRUE(r.chosen) << what;
                EXPECT_EQ(*r.chosen, other) << what;
                break;
            case SuperblockCase::uuid_conflict:
                EXPECT_TRUE(r.damaged()) << what;
                EXPECT_TRUE(r.uuid_conflict) << what;
                EXPECT_FALSE(r.chosen) << what;
                break;
            case SuperblockCase::layout:
                // The kernel adopts copy 0 (same seq) and does not use copy 1.
                EXPECT_FALSE(r.damaged()) << what;
                EXPECT_TRUE(r.degraded()) << what;
                EXPECT_TRUE(r.copies[1].layout_differs) << what;
                EXPECT_EQ(r.copies[1].status, CopyStatus::damaged) << what;
                ASSERT_TRUE(r.chosen) << what;
                EXPECT_EQ(*r.chosen, 0u) << what;
                EXPECT_TRUE(has_problem(r, Severity::note, 1, 0, c.fields[0], "layout differs"))
                    << what;
                break;
            case SuperblockCase::disagree: {
                // Not part of the layout: the kernel does not compare it.
                EXPECT_FALSE(r.damaged()) << what;
                EXPECT_FALSE(r.degraded()) << what;
                bool named = false;
                for (const std::string& name : c.fields)
                    named |= has_problem(r, Severity::note, 1, 0, name, "in copy 1 but");
                EXPECT_TRUE(named) << what;
                break;
            }
            case SuperblockCase::clean:
                EXPECT_FALSE(r.damaged()) << what;
                EXPECT_EQ(r.note_count, 0u) << what;
                break;
            case SuperblockCase::nr_remaps:
                // Not checked on load.
                EXPECT_FALSE(r.damaged()) << what;
                EXPECT_TRUE(has_problem(r, Severity::note, copy, 0, "nr_remaps")) << what;
                EXPECT_EQ(r.copies[copy].status, CopyStatus::ok) << what;
                break;
            }
        }
    }
}

TEST(MetadataCheck, EverySuperblockFieldCorruptedInTurnIsACrcError)
{
    for (unsigned copy = 0; copy < 2; ++copy) {
        for (const SuperblockField which : all_superblock_fields()) {
            if (which == SuperblockField::magic)
                continue;  // without the magic it is no superblock at all
            ImageBuilder b = populated();
            const Field f = field(which);
            b.bytes()[b.superblock_offset(copy) + f.offset] ^= 0x10;
            const CheckReport r = check_builder(b);
            const std::string what = "copy " + std::to_string(copy) + " " + f.name + "\n" + listing(r);
            EXPECT_TRUE(r.damaged()) << what;
            EXPECT_EQ(r.copies[copy].superblock_status, SuperblockStatus::damaged) << what;
            EXPECT_FALSE(r.copies[copy].crc_ok) << what;
            // Located: the copy, its superblock, the crc field's byte.
            bool located = false;
            for (const Problem& p : r.problems) {
                located |= p.copy == copy && p.meta_block == 0u && p.field == "crc" &&
                           p.offset == b.superblock_offset(copy);
            }
            EXPECT_TRUE(located) << what;
            ASSERT_TRUE(r.chosen) << what;
            EXPECT_EQ(*r.chosen, 1 - copy) << what;
            EXPECT_EQ(r.copies[1 - copy].status, CopyStatus::ok) << what;
        }
    }
}

TEST(MetadataCheck, AnUnknownVersionIsReported)
{
    ImageBuilder b = populated();
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto sb = b.superblock(copy);
        sb.version = 2;
        b.put_superblock(copy, sb);
    }
    const CheckReport r = check_builder(b);
    EXPECT_TRUE(r.damaged());
    EXPECT_FALSE(r.chosen);
    EXPECT_TRUE(r.newer_format);
    EXPECT_TRUE(has_problem(r, Severity::damage, 0, 0, "version", "newer than this tool's (1): upgrade dmremap"));
    EXPECT_TRUE(has_problem(r, Severity::damage, 1, 0, "version", "upgrade dmremap"));
    // Never "repair may rebuild it" over a newer format.
    EXPECT_TRUE(has_problem(r, Severity::damage, std::nullopt, std::nullopt, "",
                            "written by a newer dm-remap (on-disk format version 2; this tool "
                            "reads 1): upgrade dmremap"))
        << listing(r);
    EXPECT_FALSE(has_problem(r, Severity::damage, std::nullopt, std::nullopt, "", "repair rebuilds"));

    for (unsigned copy = 0; copy < 2; ++copy) {
        auto sb = b.superblock(copy);
        sb.version = 0;
        b.put_superblock(copy, sb);
    }
    const CheckReport zero = check_builder(b);
    EXPECT_FALSE(zero.newer_format);
    EXPECT_TRUE(has_problem(zero, Severity::damage, 0, 0, "version", "not one dm-remap ever wrote"));
    EXPECT_TRUE(has_problem(zero, Severity::damage, std::nullopt, std::nullopt, "",
                            "dmremap metadata repair rebuilds what can be trusted"));
}

TEST(MetadataCheck, WrongMagicInBothCopiesIsNoMetadata)
{
    ImageBuilder b = populated();
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto sb = b.superblock(copy);
        sb.magic = 0x12345678;
        b.put_superblock(copy, sb);
    }
    const CheckReport r = check_builder(b);
    EXPECT_TRUE(r.damaged());
    EXPECT_FALSE(r.blank);
    // The table blocks are still there: not "other data", which a target
    // would refuse, nor blank, which it would format.
    EXPECT_FALSE(r.no_metadata);
    EXPECT_TRUE(has_problem(r, Severity::damage, std::nullopt, std::nullopt, "",
                            "but dm-remap metadata blocks at sectors 8, "))
        << listing(r);
}

TEST(MetadataCheck, ABlankSpareHasNoMetadata)
{
    const CheckReport r = check_bytes(std::vector<std::uint8_t>(spare_sectors * 512));
    EXPECT_TRUE(r.damaged());
    EXPECT_TRUE(r.blank);
    EXPECT_FALSE(r.chosen);
    EXPECT_TRUE(has_problem(r, Severity::damage, std::nullopt, std::nullopt, "", "blank"));
}

TEST(MetadataCheck, ACopy1ThatPointsElsewhereIsDamaged)
{
    ImageBuilder b = populated();
    auto sb = b.superblock(1);
    sb.copy_offset[1] -= 8;
    sb.pool_blocks -= 1;  // so that the layout still fits
    b.put_superblock(1, sb);
    const CheckReport r = check_builder(b);
    EXPECT_TRUE(r.damaged());
    EXPECT_TRUE(has_problem(r, Severity::damage, 1, 0, "copy_offset[1]", "found at sector"));
}

// ---------------------------------------------------------------------------
// Table blocks

TEST(MetadataCheck, EveryTableHeaderFieldCorruptedInTurn)
{
    for (unsigned copy = 0; copy < 2; ++copy) {
        for (std::uint64_t index = 0; index < 3; ++index) {
            for (const HeaderField which : all_header_fields()) {
                for (const bool reseal : {false, true}) {
                    ImageBuilder b = populated();
                    const Field f = field(which);
                    const std::uint64_t offset = b.table_offset(copy, index);
                    b.fill(offset + f.offset, f.size, 0xff);
                    if (reseal)
                        b.reseal(offset);
                    const CheckReport r = check_builder(b);
                    const std::string what = "copy " + std::to_string(copy) + " block " +
                                             std::to_string(index) + " " + f.name +
                                             (reseal ? " resealed\n" : "\n") + listing(r);
                    ASSERT_TRUE(r.chosen) << what;
                    const unsigned other = 1 - copy;
                    if (which == HeaderField::reserved && reseal) {
                        // The kernel ignores it.
                        EXPECT_FALSE(r.damaged()) << what;
                        EXPECT_TRUE(has_problem(r, Severity::note, copy, 1 + index, "reserved"))
                            << what;
                        continue;
                    }
                    if (which == HeaderField::crc && reseal)
                        continue;  // resealing undoes it
                    if (which == HeaderField::seq && reseal) {
                        // Newer than the superblock: torn. The other copy
                        // holds the same commit, so nothing is lost.
                        EXPECT_FALSE(r.damaged()) << what;
                        EXPECT_EQ(r.copies[copy].status, CopyStatus::torn) << what;
                        EXPECT_TRUE(has_problem(r, Severity::note, copy, 1 + index, "seq")) << what;
                        EXPECT_EQ(*r.chosen, other) << what;
                        continue;
                    }
                    // The kernel loads the other copy, of the same commit, and
                    // rewrites this one: degraded, nothing lost.
                    EXPECT_FALSE(r.damaged()) << what;
                    EXPECT_TRUE(r.degraded()) << what;
                    EXPECT_EQ(r.copies[copy].status, CopyStatus::damaged) << what;
                    EXPECT_EQ(r.copies[copy].damaged_blocks, std::vector<std::uint64_t>{index})
                        << what;
                    EXPECT_EQ(*r.chosen, other) << what;
                    const std::string expected =
                        which == HeaderField::magic ? "magic" : reseal ? f.name : "crc";
                    bool located = false;
                    for (const Problem& p : r.problems) {
                        located |= p.copy == copy && p.meta_block == 1 + index &&
                                   p.field == expected &&
                                   p.offset == offset + field(which == HeaderField::magic ? HeaderField::magic
                                                              : reseal ? which : HeaderField::crc).offset;
                    }
                    EXPECT_TRUE(located) << what << "expected field " << expected;
                }
            }
        }
    }
}

TEST(MetadataCheck, AZeroedTableBlockMakesTheCopyUnusable)
{
    ImageBuilder b = populated();
    b.fill(b.table_offset(1, 2), 4096, 0);
    const CheckReport r = check_builder(b);
    // The kernel loads copy 0 and rewrites copy 1, which held nothing newer.
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_TRUE(r.degraded());
    EXPECT_EQ(r.copies[1].status, CopyStatus::damaged);
    EXPECT_TRUE(has_problem(r, Severity::note, 1, 3, "magic", "all zeros"));
    EXPECT_EQ(*r.chosen, 0u);

    // Copy 0 too: nothing to load.
    b.fill(b.table_offset(0, 2), 4096, 0);
    const CheckReport both = check_builder(b);
    EXPECT_TRUE(both.damaged());
    EXPECT_FALSE(both.chosen);
    EXPECT_TRUE(has_problem(both, Severity::damage, 1, 3, "magic", "all zeros"));
}

// An entry written into table block 0 of both copies (so that the copies
// still agree), resealed.
ImageBuilder with_entry(std::size_t slot, std::uint64_t block, std::uint32_t flags,
                        std::uint32_t reserved, std::uint64_t lost0, std::uint64_t lost1 = 0)
{
    ImageBuilder b = populated();
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto tb = b.table_block(copy, 0);
        tb.entries[slot].block = block;
        tb.entries[slot].flags = flags;
        tb.entries[slot].reserved = reserved;
        tb.entries[slot].lost[0] = lost0;
        tb.entries[slot].lost[1] = lost1;
        b.put_table_block(copy, 0, tb);
    }
    return b;
}

TEST(MetadataCheck, EntriesTheKernelRefusesMakeTheCopyInconsistent)
{
    struct Case {
        std::uint64_t block;
        std::uint32_t flags;
        std::uint32_t reserved;
        std::string field;
    };
    const std::uint64_t beyond = (std::uint64_t{1} << 21) / 8;  // main blocks
    const std::vector<Case> cases = {
        {beyond, 0, 0, "entries[5].block"},
        {beyond + 1000, 0, 0, "entries[5].block"},
        {free_entry - 1, 0, 0, "entries[5].block"},
        {7, 0, 1, "entries[5].reserved"},
        {7, 0x4, 0, "entries[5].flags"},
        {7, 0x80000000, 0, "entries[5].flags"},
        {free_entry, flag_auto, 0, "entries[5].flags"},
        {7, flag_lost, 0, "entries[5].lost"},  // lost bits set below
    };
    for (const Case& c : cases) {
        // A lost bit beyond the 8 sectors of the block (only the last case
        // has no other fault).
        ImageBuilder b = with_entry(5, c.block, c.flags, c.reserved, c.block == free_entry ? 0 : 0x100);
        const CheckReport r = check_builder(b);
        const std::string what = c.field + "\n" + listing(r);
        EXPECT_TRUE(r.damaged()) << what;
        EXPECT_FALSE(r.chosen) << what;
        EXPECT_FALSE(r.copies[0].consistent) << what;
        EXPECT_TRUE(has_problem(r, Severity::damage, 0, 1, c.field)) << what;
        EXPECT_TRUE(has_problem(r, Severity::damage, 1, 1, c.field)) << what;
    }
}

TEST(MetadataCheck, LostBitsBeyondTheBlockMakeTheCopyInconsistent)
{
    // Whether LOST is set or not: entry_valid() checks lost[] always.
    for (const std::uint32_t flags : {flag_lost, 0u}) {
        for (const auto& [lost0, lost1] : {std::pair<std::uint64_t, std::uint64_t>{0x100, 0},
                                           {0x1, 0x1}}) {
            ImageBuilder b = with_entry(5, 7, flags, 0, lost0, lost1);
            const CheckReport r = check_builder(b);
            const std::string what = std::to_string(flags) + "\n" + listing(r);
            EXPECT_TRUE(r.damaged()) << what;
            EXPECT_FALSE(r.chosen) << what;
            EXPECT_FALSE(r.copies[0].consistent) << what;
            EXPECT_TRUE(has_problem(r, Severity::damage, 0, 1, "entries[5].lost", "beyond the 8"))
                << what;
        }
    }
}

TEST(MetadataCheck, ALostFlagThatDisagreesWithTheBitsIsANote)
{
    struct Case {
        std::uint64_t block;
        std::uint32_t flags;
        std::uint64_t lost0;
        std::uint64_t lost1;
        std::string field;
        std::string text;
    };
    // The kernel loads both as not lost.
    const std::vector<Case> cases = {
        {7, flag_lost, 0, 0, "entries[5].flags", "no sector is marked lost"},
        {7, 0, 0x1, 0, "entries[5].flags", "LOST flag is clear"},
    };
    for (const Case& c : cases) {
        ImageBuilder b = with_entry(5, c.block, c.flags, 0, c.lost0, c.lost1);
        const CheckReport r = check_builder(b);
        const std::string what = c.text + "\n" + listing(r);
        EXPECT_FALSE(r.damaged()) << what;
        ASSERT_TRUE(r.chosen) << what;
        EXPECT_TRUE(r.copies[0].consistent) << what;
        EXPECT_TRUE(has_problem(r, Severity::note, 0, 1, c.field, c.text)) << what;
        EXPECT_TRUE(has_problem(r, Severity::note, 0, 1, c.field, "loads the block as not lost"))
            << what;
    }
}

TEST(MetadataCheck, AFreeEntryWithLeftoversIsANote)
{
    ImageBuilder b = with_entry(5, free_entry, 0, 3, 0x10);
    const CheckReport r = check_builder(b);
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_TRUE(has_problem(r, Severity::note, 0, 1, "entries[5].reserved"));
}

TEST(MetadataCheck, AnEntryBeyondTableUsedIsANote)
{
    ImageBuilder b = populated();  // table_used 300: slots 300..380 of block 2 unused
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto tb = b.table_block(copy, 2);
        tb.entries[310 - 254].block = 99;
        b.put_table_block(copy, 2, tb);
        auto sb = b.superblock(copy);
        sb.nr_remaps += 1;
        b.put_superblock(copy, sb);
    }
    const CheckReport r = check_builder(b);
    // The kernel reads the whole table block and loads it.
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_TRUE(has_problem(r, Severity::note, 0, 3, "entries[56].block", "table_used is 300"));
}

TEST(MetadataCheck, AnEntryOutsideThePoolIsDamage)
{
    // 8192 sectors: 1004 spare blocks, so slots 1004..1015 of table block 7
    // lie outside the pool.
    ImageBuilder b(spare_sectors);
    b.stage(1003, 1);
    b.commit();
    ASSERT_EQ(b.geometry().pool_blocks, 1004u);
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto tb = b.table_block(copy, 7);
        tb.entries[1010 - 7 * 127].block = 2;
        b.put_table_block(copy, 7, tb);
        auto sb = b.superblock(copy);
        sb.nr_remaps = 2;
        b.put_superblock(copy, sb);
    }
    const CheckReport r = check_builder(b);
    EXPECT_TRUE(r.damaged());
    EXPECT_EQ(r.copies[0].outside_pool, 1u);
    EXPECT_TRUE(has_problem(r, Severity::damage, 0, 8, "", "refuses to load"));
}

TEST(MetadataCheck, ABlockRemappedTwiceIsDamage)
{
    ImageBuilder b = with_entry(5, 10, 0, 0, 0);  // block 10 is also on spare block 0
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto sb = b.superblock(copy);
        sb.nr_remaps += 1;
        b.put_superblock(copy, sb);
    }
    const CheckReport r = check_builder(b);
    EXPECT_TRUE(r.damaged()) << listing(r);
    EXPECT_EQ(r.copies[0].duplicate_blocks, 1u);
    EXPECT_TRUE(has_problem(r, Severity::damage, 0, std::nullopt, "", "block 10 is remapped twice"));
}

TEST(MetadataCheck, ANrRemapsMismatchIsANote)
{
    ImageBuilder b = populated();
    auto sb = b.superblock(1);
    sb.nr_remaps = 5;
    b.put_superblock(1, sb);
    const CheckReport r = check_builder(b);
    EXPECT_FALSE(r.damaged());  // the kernel does not check it on load
    EXPECT_TRUE(has_problem(r, Severity::note, 1, 0, "nr_remaps", "table holds 6"));
}

TEST(MetadataCheck, CopiesOfOneCommitThatDifferAreANote)
{
    ImageBuilder b = populated();
    auto tb = b.table_block(1, 1);
    tb.entries[0].block = 4242;  // spare block 127: block 13 in copy 0
    b.put_table_block(1, 1, tb);
    const CheckReport r = check_builder(b);
    // The kernel loads copy 0 and never compares them.
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_EQ(r.load_verdict(), LoadVerdict::ok);
    EXPECT_TRUE(has_problem(r, Severity::note, 1, 2, "", "differs from copy 0"));
}

TEST(MetadataCheck, TwoMetadataSetsAreDamage)
{
    ImageBuilder b = populated();
    auto sb = b.superblock(1);
    sb.uuid[3] ^= 1;
    b.put_superblock(1, sb);
    const CheckReport r = check_builder(b);
    EXPECT_TRUE(r.damaged());
    EXPECT_TRUE(r.uuid_conflict);
    EXPECT_FALSE(r.chosen);
    EXPECT_TRUE(has_problem(r, Severity::damage, std::nullopt, std::nullopt, "",
                            "different metadata sets"));
}

// ---------------------------------------------------------------------------
// Destroyed, truncated and unreadable

TEST(MetadataCheck, EachCopyDestroyedInTurn)
{
    for (const std::uint8_t filler : {std::uint8_t{0}, std::uint8_t{0x5a}}) {
        for (unsigned copy = 0; copy < 2; ++copy) {
            ImageBuilder b = populated();
            b.fill(b.superblock_offset(copy), b.geometry().copy_sectors * 512, filler);
            const CheckReport r = check_builder(b);
            const std::string what = "copy " + std::to_string(copy) + "\n" + listing(r);
            EXPECT_TRUE(r.damaged()) << what;
            EXPECT_EQ(r.copies[copy].status, CopyStatus::missing) << what;
            ASSERT_TRUE(r.chosen) << what;
            EXPECT_EQ(*r.chosen, 1 - copy) << what;
            // Copy 1 is found where the layout puts it even without copy 0.
            EXPECT_EQ(r.copies[1 - copy].sector, b.geometry().copy_offset[1 - copy]) << what;
            EXPECT_EQ(r.copies[1 - copy].remaps, 6u) << what;
            EXPECT_EQ(loaded_remaps(b.bytes()).size(), 6u) << what;
        }
    }
}

TEST(MetadataCheck, BothCopiesDestroyed)
{
    ImageBuilder b = populated();
    b.fill(b.superblock_offset(0), b.geometry().copy_sectors * 512, 0);
    b.fill(b.superblock_offset(1), b.geometry().copy_sectors * 512, 0);
    const CheckReport r = check_builder(b);
    EXPECT_TRUE(r.damaged());
    EXPECT_TRUE(r.blank);
    EXPECT_FALSE(r.chosen);
}

TEST(MetadataCheck, Copy1IsFoundForEveryBlockSizeWhenCopy0IsGone)
{
    for (std::uint32_t bs = 512; bs <= 65536; bs <<= 1) {
        ImageBuilder b(32768, bs, std::uint64_t{1} << 24);
        b.stage(3, 5);
        b.commit();
        b.fill(0, 4096, 0);
        const CheckReport r = check_builder(b);
        ASSERT_TRUE(r.chosen) << bs << "\n" << listing(r);
        EXPECT_EQ(*r.chosen, 1u) << bs;
        EXPECT_EQ(r.copies[1].remaps, 1u) << bs;
    }
}

TEST(MetadataCheck, TruncatedImages)
{
    const ImageBuilder b = populated();
    const std::uint64_t copy1 = b.superblock_offset(1);
    for (const std::uint64_t size :
         {std::uint64_t{0}, std::uint64_t{100}, std::uint64_t{4095}, std::uint64_t{4096},
          std::uint64_t{8192}, copy1, copy1 + 4096, copy1 + 3 * 4096, b.bytes().size() - 512}) {
        std::vector<std::uint8_t> bytes(b.bytes().begin(),
                                        b.bytes().begin() + static_cast<std::ptrdiff_t>(size));
        const CheckReport r = check_bytes(bytes);
        const std::string what = "size " + std::to_string(size) + "\n" + listing(r);
        EXPECT_TRUE(r.damaged()) << what;
        EXPECT_FALSE(r.chosen) << what;
        if (size >= 4096) {
            // Copy 0's layout reaches beyond the end.
            EXPECT_TRUE(has_problem(r, Severity::damage, 0, 0, "copy_offset[1]", "truncated"))
                << what;
        }
    }
}

TEST(MetadataCheck, AGrownSpareIsANote)
{
    ImageBuilder b = populated();
    std::vector<std::uint8_t> bytes = b.bytes();
    bytes.resize(bytes.size() * 2);
    const CheckReport r = check_bytes(bytes);
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_TRUE(has_problem(r, Severity::note, std::nullopt, std::nullopt, "", "made for a spare"));
}

TEST(MetadataCheck, ADamagedCopy0StillLeadsToCopy1OnAGrownSpare)
{
    ImageBuilder b = populated();
    std::vector<std::uint8_t> bytes = b.bytes();
    bytes.resize(bytes.size() * 2);  // the layout of this size puts copy 1 elsewhere
    bytes[300] ^= 1;
    const CheckReport r = check_bytes(bytes);
    EXPECT_TRUE(r.damaged());
    ASSERT_TRUE(r.chosen) << listing(r);
    EXPECT_EQ(*r.chosen, 1u);
    EXPECT_EQ(r.copies[1].sector, b.geometry().copy_offset[1]);
    EXPECT_EQ(r.copies[1].remaps, 6u);
}

TEST(MetadataCheck, ADamagedCopyWithNewerCommitsSaysTheyAreLost)
{
    ImageBuilder b = populated();
    b.stage(5, 50);
    const auto writes = b.commit(false);
    for (const auto& w : writes)
        if (w.copy == 0)
            b.apply(w);  // copy 0 at seq 4, copy 1 at seq 3
    b.bytes()[b.table_offset(0, 1) + 700] ^= 1;
    const CheckReport r = check_builder(b);
    EXPECT_TRUE(r.damaged());
    ASSERT_TRUE(r.chosen);
    EXPECT_EQ(*r.chosen, 1u);
    EXPECT_TRUE(has_problem(r, Severity::damage, 0, std::nullopt, "", "commits after it are lost"))
        << listing(r);
}

TEST(MetadataCheck, ReadErrorsAreLocated)
{
    const ImageBuilder b = populated();
    {
        MemoryImage image(b.bytes());
        image.fail_reads_at(b.table_offset(1, 1) + 100);
        const CheckReport r = check_metadata(image);
        // A copy the kernel rewrites: a note, but counted as a read error.
        EXPECT_EQ(r.read_errors, 1u);
        EXPECT_TRUE(has_problem(r, Severity::note, 1, 2, "", "cannot be read"));
        EXPECT_EQ(*r.chosen, 0u);
    }
    {
        MemoryImage image(b.bytes());
        image.fail_reads_at(10);
        const CheckReport r = check_metadata(image);
        EXPECT_TRUE(r.damaged());
        EXPECT_EQ(r.copies[0].superblock_status, SuperblockStatus::unreadable);
        EXPECT_EQ(r.copies[0].status, CopyStatus::damaged);
        EXPECT_TRUE(has_problem(r, Severity::damage, 0, 0, "", "cannot be read"));
        ASSERT_TRUE(r.chosen);
        EXPECT_EQ(*r.chosen, 1u);
    }
}

// ---------------------------------------------------------------------------
// Crashes during a commit

std::vector<std::uint8_t> with_writes(std::vector<std::uint8_t> bytes,
                                      const std::vector<ImageBuilder::Write>& writes)
{
    for (const auto& w : writes)
        std::memcpy(bytes.data() + w.offset, w.data.data(), w.data.size());
    return bytes;
}

// A commit that changes table blocks 0, 1 and 2 and starts block 3.
struct PendingCommit {
    ImageBuilder builder = populated();
    std::vector<std::uint8_t> before;
    std::map<std::uint64_t, std::uint64_t> old_remaps, new_remaps;
    std::vector<ImageBuilder::Write> writes;

    PendingCommit()
    {
        before = builder.bytes();
        old_remaps = loaded_remaps(before);
        builder.stage(2, 20);
        builder.stage_free(126);
        builder.stage(128, 21, flag_auto);
        builder.stage(290, 22);
        builder.stage(400, 23);
        writes = builder.commit(false);
        new_remaps = loaded_remaps(with_writes(before, writes));
    }
};

TEST(MetadataCheck, ACrashAfterEveryWriteOfACommitIsNotDamage)
{
    const PendingCommit pending;
    ASSERT_EQ(pending.writes.size(), 10u);  // 4 table blocks and a superblock per copy
    ASSERT_NE(pending.old_remaps, pending.new_remaps);
    for (std::size_t k = 0; k <= pending.writes.size(); ++k) {
        const std::vector<ImageBuilder::Write> done(pending.writes.begin(),
                                                    pending.writes.begin() + static_cast<std::ptrdiff_t>(k));
        const auto bytes = with_writes(pending.before, done);
        const CheckReport r = check_bytes(bytes);
        const std::string what = "after " + std::to_string(k) + " writes\n" + listing(r);
        EXPECT_FALSE(r.damaged()) << what;
        ASSERT_TRUE(r.chosen) << what;
        // Copy 0's superblock is write 5: from then on the commit is durable.
        const bool durable = k >= 5;
        EXPECT_EQ(r.copies[*r.chosen].superblock->seq, durable ? 4u : 3u) << what;
        EXPECT_EQ(loaded_remaps(bytes), durable ? pending.new_remaps : pending.old_remaps) << what;
        const bool torn = (k >= 1 && k < 5) || (k >= 6 && k < 10);
        EXPECT_EQ(r.note_count != 0, torn || k == 5) << what;
    }
}

TEST(MetadataCheck, EverySubsetOfTornTableBlocksIsNotDamage)
{
    // The kernel writes a copy's dirty table blocks in any order before
    // its superblock: any subset may have reached the disk.
    const PendingCommit pending;
    for (unsigned copy = 0; copy < 2; ++copy) {
        const std::size_t first = copy * 5;
        for (unsigned mask = 1; mask < 16; ++mask) {
            std::vector<ImageBuilder::Write> done;
            if (copy == 1)
                done.assign(pending.writes.begin(), pending.writes.begin() + 5);
            for (unsigned i = 0; i < 4; ++i)
                if (mask & (1u << i))
                    done.push_back(pending.writes[first + i]);
            const auto bytes = with_writes(pending.before, done);
            const CheckReport r = check_bytes(bytes);
            const std::string what = "copy " + std::to_string(copy) + " mask " +
                                     std::to_string(mask) + "\n" + listing(r);
            EXPECT_FALSE(r.damaged()) << what;
            ASSERT_TRUE(r.chosen) << what;
            if (mask & 7) {
                EXPECT_EQ(*r.chosen, 1 - copy) << what;
                EXPECT_EQ(r.copies[copy].status, CopyStatus::torn) << what;
            } else {
                // Only block 3, which the old table does not use yet.
                EXPECT_EQ(r.copies[copy].status, copy == 0 ? CopyStatus::ok : CopyStatus::stale)
                    << what;
            }
            EXPECT_EQ(loaded_remaps(bytes), copy == 0 ? pending.old_remaps : pending.new_remaps)
                << what;
        }
    }
}

TEST(MetadataCheck, AnInterruptedFormatIsNotDamage)
{
    ImageBuilder blank(spare_sectors, 4096, 1u << 21, false);
    const auto bytes = blank.bytes();
    ImageBuilder formatted(spare_sectors);
    // format() writes copy 1's superblock first.
    auto partial = bytes;
    std::memcpy(partial.data() + formatted.superblock_offset(1),
                formatted.bytes().data() + formatted.superblock_offset(1), 4096);
    const CheckReport r = check_bytes(partial);
    EXPECT_FALSE(r.damaged()) << listing(r);
    ASSERT_TRUE(r.chosen);
    EXPECT_EQ(*r.chosen, 1u);
    EXPECT_TRUE(has_problem(r, Severity::note, 0, std::nullopt, "", "format was interrupted"));
}

TEST(MetadataCheck, ATornCopyNewerThanTheLoadedOneIsDamage)
{
    // Copy 1 missed a commit (say its write failed), then a commit was
    // interrupted while it rewrote copy 0: the only consistent copy is
    // older than a commit that completed. See docs/metadata-tools.md.
    PendingCommit pending;
    auto bytes = with_writes(pending.before, {pending.writes.begin(), pending.writes.begin() + 5});
    ImageBuilder& b = pending.builder;
    b.bytes() = bytes;
    b.stage(3, 30);
    const auto next = b.commit(false);
    bytes = with_writes(bytes, {next.front()});  // one table block of copy 0
    const CheckReport r = check_bytes(bytes);
    EXPECT_TRUE(r.damaged()) << listing(r);
    ASSERT_TRUE(r.chosen);
    EXPECT_EQ(*r.chosen, 1u);
    EXPECT_EQ(r.copies[0].status, CopyStatus::torn);
    EXPECT_TRUE(has_problem(r, Severity::damage, 0, std::nullopt, "", "are lost"));
}

TEST(MetadataCheck, ProblemsBeyondTheListingLimitAreCounted)
{
    ImageBuilder b(std::uint64_t{1} << 20, 512);  // 512 MiB of 512-byte blocks
    b.stage(static_cast<std::uint32_t>(b.geometry().pool_blocks - 1), 1);
    b.commit();
    // Wipe every table block of copy 1: one problem per block.
    const std::uint64_t blocks = used_table_blocks(b.table_used());
    ASSERT_GT(blocks, CheckReport::max_listed_problems);
    b.fill(b.table_offset(1, 0), blocks * 4096, 0);
    const CheckReport r = check_builder(b);
    EXPECT_EQ(r.problems.size(), CheckReport::max_listed_problems);
    EXPECT_GE(r.note_count, blocks);  // copy 1 is rewritten by the kernel: notes
    EXPECT_GT(r.problems_omitted(), 0u);
    EXPECT_EQ(*r.chosen, 0u);

    b.fill(b.table_offset(0, 0), blocks * 4096, 0);
    const CheckReport both = check_builder(b);
    EXPECT_EQ(both.problems.size(), CheckReport::max_listed_problems);
    EXPECT_GE(both.damage_count, 2 * blocks);
    EXPECT_FALSE(both.chosen);
}

}  // namespace
}  // namespace dmremap::metadata
