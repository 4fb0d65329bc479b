// One case per load rule of the kernel (docs/on-disk-format.md, "Load
// rules"; kernel/dm-remap-metadata.c is the truth): `metadata check` must
// find the same copies usable, the same load verdict (ok, degraded,
// refused), and give the state and exit status that follow from it.

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <string>
#include <vector>

#include <sstream>

#include "error.hpp"
#include "metadata_check.hpp"
#include "metadata_json.hpp"
#include "metadata_render.hpp"
#include "metadata_restore.hpp"
#include "metadata_test_support.hpp"

namespace dmremap::metadata {
namespace {

using testing_support::check_builder;
using testing_support::ImageBuilder;
using testing_support::listing;

// 4 MiB of 4 KiB blocks: copy_sectors 80, copy 1 at 8112, pool 1004 blocks
// from sector 80, 8 table blocks.
constexpr std::uint64_t spare_sectors = 8192;
constexpr std::uint64_t main_blocks_of_spare = (std::uint64_t{1} << 21) / 8;

// seq 3, remaps in table blocks 0 and 1 (table_used 130), both copies alike.
ImageBuilder populated()
{
    ImageBuilder b(spare_sectors);
    b.stage(0, 10);
    b.stage(1, 11, flag_auto);
    b.stage(127, 13, flag_lost, 0x3);
    b.commit();
    b.stage(129, 15);
    b.commit();
    return b;
}

using Mutation = std::function<void(ImageBuilder&)>;

Mutation superblock(std::vector<unsigned> copies, std::function<void(dm_remap_disk_superblock&)> change)
{
    return [copies, change](ImageBuilder& b) {
        for (const unsigned c : copies) {
            auto sb = b.superblock(c);
            change(sb);
            b.put_superblock(c, sb);
        }
    };
}

Mutation table_header(unsigned copy, std::function<void(dm_remap_disk_table_header&)> change)
{
    return [copy, change](ImageBuilder& b) {
        auto tb = b.table_block(copy, 0);
        change(tb.header);
        b.put_table_block(copy, 0, tb);
    };
}

// Entry 5 of table block 0 (spare block 5, free in populated()).
Mutation entry(std::vector<unsigned> copies, std::function<void(dm_remap_disk_entry&)> change,
               std::size_t slot = 5, std::uint64_t index = 0)
{
    return [copies, change, slot, index](ImageBuilder& b) {
        for (const unsigned c : copies) {
            auto tb = b.table_block(c, index);
            change(tb.entries[slot]);
            b.put_table_block(c, index, tb);
        }
    };
}

Mutation used_entry(std::vector<unsigned> copies, std::uint64_t block, std::uint32_t flags,
                    std::uint32_t reserved = 0, std::uint64_t lost0 = 0, std::uint64_t lost1 = 0)
{
    return entry(std::move(copies), [=](dm_remap_disk_entry& e) {
        e.block = block;
        e.flags = flags;
        e.reserved = reserved;
        e.lost[0] = lost0;
        e.lost[1] = lost1;
    });
}

Mutation all(std::vector<Mutation> mutations)
{
    return [mutations](ImageBuilder& b) {
        for (const Mutation& m : mutations)
            m(b);
    };
}

// A commit (block 2 onto spare block 2) that reached copy 0 only.
void commit_copy0_only(ImageBuilder& b)
{
    b.stage(2, 2);
    for (const auto& w : b.commit(false))
        if (w.copy == 0)
            b.apply(w);
}

// A commit whose table blocks reached copy 0 but not its superblock.
void torn_copy0(ImageBuilder& b)
{
    b.stage(2, 2);
    for (const auto& w : b.commit(false))
        if (w.copy == 0 && !w.superblock)
            b.apply(w);
}

struct Rule {
    std::string name;
    Mutation make;
    bool usable[2];
    LoadVerdict load;
    std::string_view state;  // check's: clean, degraded or damaged
    int exit_status;
};

const std::vector<Rule>& rules()
{
    using L = LoadVerdict;
    static const std::vector<Rule> list = {
        {"untouched", [](ImageBuilder&) {}, {true, true}, L::ok, "clean", 0},

        // Superblock fields: an unusable copy; the other one is loaded.
        // check counts a damaged superblock as damage (its seq cannot be
        // trusted, so commits may be lost) while the kernel loads degraded.
        {"seq 0", superblock({0}, [](auto& sb) { sb.seq = 0; }), {false, true}, L::degraded,
         "damaged", 1},
        {"seq 2^63", superblock({0}, [](auto& sb) { sb.seq = std::uint64_t{1} << 63; }),
         {false, true}, L::degraded, "damaged", 1},
        {"seq 2^63-1 is the highest valid",
         superblock({0}, [](auto& sb) { sb.seq = (std::uint64_t{1} << 63) - 1; }), {true, true},
         L::degraded, "degraded", 0},
        {"version 2", superblock({1}, [](auto& sb) { sb.version = 2; }), {true, false},
         L::degraded, "damaged", 1},
        {"version 2 in both", superblock({0, 1}, [](auto& sb) { sb.version = 2; }),
         {false, false}, L::refused, "damaged", 1},
        {"copy field", superblock({1}, [](auto& sb) { sb.copy = 0; }), {true, false},
         L::degraded, "damaged", 1},
        {"meta_block_size", superblock({1}, [](auto& sb) { sb.meta_block_size = 512; }),
         {true, false}, L::degraded, "damaged", 1},
        {"block_size not a power of two", superblock({1}, [](auto& sb) { sb.block_size = 3072; }),
         {true, false}, L::degraded, "damaged", 1},
        {"copy_offset[0] not 0", superblock({0}, [](auto& sb) { sb.copy_offset[0] = 8; }),
         {false, true}, L::degraded, "damaged", 1},
        {"copy_sectors too small", superblock({0}, [](auto& sb) { sb.copy_sectors = 64; }),
         {false, true}, L::degraded, "damaged", 1},
        {"pool_offset inside copy 0", superblock({0}, [](auto& sb) { sb.pool_offset = 72; }),
         {false, true}, L::degraded, "damaged", 1},
        {"pool runs into copy 1", superblock({0}, [](auto& sb) { sb.pool_blocks = 1005; }),
         {false, true}, L::degraded, "damaged", 1},
        {"copy 1 beyond the device",
         superblock({0}, [](auto& sb) { sb.copy_offset[1] = 8120; sb.pool_blocks = 1004; }),
         {false, true}, L::degraded, "damaged", 1},
        {"table_blocks too few", superblock({0}, [](auto& sb) { sb.table_blocks = 7; }),
         {false, true}, L::degraded, "damaged", 1},
        {"table_blocks * 127 overflows",
         superblock({0}, [](auto& sb) { sb.table_blocks = ~std::uint64_t{0}; }), {false, true},
         L::degraded, "damaged", 1},
        {"table_used above pool_blocks", superblock({0}, [](auto& sb) { sb.table_used = 1005; }),
         {false, true}, L::degraded, "damaged", 1},
        {"pool_blocks 2^32",
         superblock({0}, [](auto& sb) { sb.pool_blocks = std::uint64_t{1} << 32; }),
         {false, true}, L::degraded, "damaged", 1},
        // Fits in every other way: only the alignment is wrong.
        {"copy_sectors not a multiple of 8", superblock({0}, [](auto& sb) { sb.copy_sectors = 79; }),
         {false, true}, L::degraded, "damaged", 1},
        {"copy_offset[1] not a multiple of 8",
         superblock({0}, [](auto& sb) { sb.copy_offset[1] = 8108; sb.pool_blocks = 1003; }),
         {false, true}, L::degraded, "damaged", 1},
        {"pool_offset not a multiple of the block",
         superblock({0}, [](auto& sb) { sb.pool_offset = 84; sb.pool_blocks = 1003; }),
         {false, true}, L::degraded, "damaged", 1},
        {"two metadata sets", superblock({1}, [](auto& sb) { sb.uuid[0] ^= 1; }),
         {false, false}, L::refused, "damaged", 1},

        // The layout of the copy not adopted differs from the adopted one.
        {"copy 1's pool differs", superblock({1}, [](auto& sb) { sb.pool_blocks = 1003; }),
         {true, false}, L::degraded, "degraded", 0},
        {"copy 1's main_sectors differs, copy 1 newer",
         superblock({1}, [](auto& sb) { sb.main_sectors /= 2; sb.seq += 1; }), {false, true},
         L::degraded, "degraded", 0},
        // Not part of the layout: the kernel does not compare them.
        {"spare_sectors differs", superblock({1}, [](auto& sb) { sb.spare_sectors += 8; }),
         {true, true}, L::ok, "clean", 0},
        {"nr_remaps wrong", superblock({0, 1}, [](auto& sb) { sb.nr_remaps = 9; }),
         {true, true}, L::ok, "clean", 0},

        // Table block headers.
        {"table magic", table_header(0, [](auto& h) { h.magic = 0; }), {false, true},
         L::degraded, "degraded", 0},
        {"table index", table_header(0, [](auto& h) { h.index = 1; }), {false, true},
         L::degraded, "degraded", 0},
        {"table copy", table_header(1, [](auto& h) { h.copy = 0; }), {true, false},
         L::degraded, "degraded", 0},
        {"table crc",
         [](ImageBuilder& b) { b.bytes()[b.table_offset(1, 0) + 100] ^= 1; }, {true, false},
         L::degraded, "degraded", 0},
        {"table reserved is ignored", table_header(0, [](auto& h) { h.reserved = 7; }),
         {true, true}, L::ok, "clean", 0},
        {"torn copy 0", torn_copy0, {false, true}, L::degraded, "degraded", 0},
        {"stale copy 1", commit_copy0_only, {true, true}, L::degraded, "degraded", 0},

        // Entries (entry_valid()): an invalid one makes the copy unusable.
        {"free entry with flags", entry({0}, [](auto& e) { e.flags = flag_auto; }),
         {false, true}, L::degraded, "degraded", 0},
        {"free entry with reserved and lost is ignored",
         entry({0, 1}, [](auto& e) { e.reserved = 1; e.lost[0] = 1; }), {true, true}, L::ok,
         "clean", 0},
        {"block beyond the target", used_entry({0}, main_blocks_of_spare, 0), {false, true},
         L::degraded, "degraded", 0},
        {"reserved", used_entry({0}, 7, 0, 1), {false, true}, L::degraded, "degraded", 0},
        {"unknown flag", used_entry({0}, 7, 0x4), {false, true}, L::degraded, "degraded", 0},
        {"lost bit beyond the block", used_entry({0}, 7, flag_lost, 0, 0x100), {false, true},
         L::degraded, "degraded", 0},
        {"lost bit in the second word", used_entry({0}, 7, flag_lost, 0, 0x1, 0x1),
         {false, true}, L::degraded, "degraded", 0},
        {"lost bit beyond the block without LOST", used_entry({0}, 7, 0, 0, 0x100),
         {false, true}, L::degraded, "degraded", 0},
        {"lost bit beyond the block in both copies", used_entry({0, 1}, 7, flag_lost, 0, 0x100),
         {false, false}, L::refused, "damaged", 1},
        {"LOST flag and no lost bit", used_entry({0, 1}, 7, flag_lost), {true, true}, L::ok,
         "clean", 0},
        {"lost bits without the LOST flag", used_entry({0, 1}, 7, 0, 0, 0x1), {true, true},
         L::ok, "clean", 0},
        {"entry beyond table_used", entry({0, 1}, [](auto& e) { e.block = 7; }, 20, 1),
         {true, true}, L::ok, "clean", 0},

        // What load_entry() refuses in the copy it loads.
        {"block remapped twice", used_entry({0, 1}, 10, 0), {true, true}, L::refused,
         "damaged", 1},
        {"block remapped twice in the copy not loaded", used_entry({1}, 10, 0), {true, true},
         L::ok, "clean", 0},
        {"spare block outside the pool",
         all({[](ImageBuilder& b) {
                  b.stage(1003, 1);
                  b.commit();
              },
              entry({0, 1}, [](auto& e) { e.block = 2; }, 1010 - 7 * 127, 7)}),
         {true, true}, L::refused, "damaged", 1},
        {"tables of one seq differ", used_entry({1}, 77, 0), {true, true}, L::ok, "clean", 0},
    };
    return list;
}

class MetadataLoadRules : public testing::TestWithParam<std::size_t> {};

TEST_P(MetadataLoadRules, CheckAgreesWithTheKernel)
{
    const Rule& rule = rules()[GetParam()];
    ImageBuilder b = populated();
    rule.make(b);
    const CheckReport r = check_builder(b);
    const std::string what = rule.name + "\n" + listing(r);
    for (unsigned c = 0; c < nr_copies; ++c) {
        const bool usable = r.copies[c].consistent && !r.uuid_conflict;
        EXPECT_EQ(usable, rule.usable[c]) << "copy " << c << ": " << what;
    }
    EXPECT_EQ(to_string(r.load_verdict()), to_string(rule.load)) << what;
    EXPECT_EQ(cli::check_state(r), rule.state) << what;
    EXPECT_EQ(cli::check_exit_status(r), rule.exit_status) << what;
    const auto json = cli::check_report_json(r);
    EXPECT_EQ(json["load"].get<std::string>(), to_string(rule.load)) << what;
    EXPECT_EQ(json["state"].get<std::string>(), rule.state) << what;
}

// What check passes (of the cases above), dump writes as the kernel loads
// it and restore takes.
void dump_and_restore(const Rule& rule)
{
    ImageBuilder b = populated();
    rule.make(b);
    MemoryImage image(b.bytes());
    const CheckReport r = check_metadata(image);
    ASSERT_TRUE(r.chosen) << rule.name;
    std::ostringstream text;
    DumpWriter writer(text, r);
    std::uint64_t written = 0;
    for_each_remap(image, *r.chosen_copy(), [&](std::uint64_t spare, const Entry& e) {
        writer.add(spare, e);
        ++written;
    });
    writer.finish();
    std::istringstream in(text.str());
    const Dump dump = parse_dump(in);
    EXPECT_EQ(dump.remaps.size(), written) << rule.name;
    MemoryImage target{std::vector<std::uint8_t>(b.bytes().size())};
    if (dump.superblock.seq >= max_seq) {
        // No seq above it that the kernel takes.
        EXPECT_THROW(restore_metadata(target, dump, false, 1), OperationError) << rule.name;
        return;
    }
    restore_metadata(target, dump, false, 1);
    const CheckReport after = check_metadata(target);
    EXPECT_FALSE(after.damaged()) << rule.name << "\n" << listing(after);
    EXPECT_EQ(after.note_count, 0u) << rule.name << "\n" << listing(after);
    EXPECT_EQ(after.load_verdict(), LoadVerdict::ok) << rule.name;
}

TEST(MetadataLoadRulesDump, WhatChecksUndamagedDumpsAndRestoresClean)
{
    std::size_t dumped = 0;
    for (const Rule& rule : rules()) {
        if (rule.state == "damaged")
            continue;  // dump refuses, or warns
        dump_and_restore(rule);
        ++dumped;
    }
    EXPECT_GT(dumped, 20u);
}

INSTANTIATE_TEST_SUITE_P(metadata, MetadataLoadRules, testing::Range<std::size_t>(0, rules().size()),
                         [](const testing::TestParamInfo<std::size_t>& param) {
                             std::string name;
                             for (const char ch : rules()[param.param].name)
                                 name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                             return name;
                         });

}  // namespace
}  // namespace dmremap::metadata
