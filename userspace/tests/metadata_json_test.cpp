#include "metadata_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "error.hpp"
#include "metadata_restore.hpp"
#include "metadata_test_support.hpp"

namespace dmremap::metadata {
namespace {

using testing_support::check_bytes;
using testing_support::ImageBuilder;
using testing_support::listing;
using testing_support::loaded_remaps;
using Json = nlohmann::json;

ImageBuilder populated()
{
    ImageBuilder b(8192);
    b.stage(0, 10);
    b.stage(1, 11, flag_auto);
    b.stage(127, 13, flag_lost, 0x81);
    b.stage(299, 14);
    b.commit();
    return b;
}

std::string dump_of(const std::vector<std::uint8_t>& bytes)
{
    MemoryImage image(bytes, "spare.img");
    const CheckReport report = check_metadata(image);
    std::ostringstream out;
    DumpWriter writer(out, report);
    for_each_remap(image, *report.chosen_copy(),
                   [&](std::uint64_t spare, const Entry& e) { writer.add(spare, e); });
    writer.finish();
    return out.str();
}

Dump parse(const std::string& text)
{
    std::istringstream in(text);
    return parse_dump(in);
}

TEST(MetadataDump, WritesTheChosenCopyAndEveryRemap)
{
    const ImageBuilder b = populated();
    const Json j = Json::parse(dump_of(b.bytes()));
    EXPECT_EQ(j["format"], "dm-remap-metadata");
    EXPECT_EQ(j["format_version"], 1);
    EXPECT_EQ(j["source"], "spare.img");
    EXPECT_EQ(j["chosen_copy"], 0);
    EXPECT_EQ(j["superblock"]["seq"], 2);
    EXPECT_EQ(j["superblock"]["uuid"], "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
    EXPECT_EQ(j["superblock"]["copy_offset"][1], b.geometry().copy_offset[1]);
    EXPECT_EQ(j["superblock"]["table_used"], 300);
    ASSERT_EQ(j["copies"].size(), 2u);
    EXPECT_EQ(j["copies"][1]["status"], "ok");
    EXPECT_EQ(j["copies"][1]["superblock"]["copy"], 1);
    ASSERT_EQ(j["remaps"].size(), 4u);
    EXPECT_EQ(j["remaps"][1], Json::parse(R"({"block":11,"spare_block":1,"flags":["auto"],"lost":[]})"));
    EXPECT_EQ(j["remaps"][2], Json::parse(R"({"block":13,"spare_block":127,"flags":["lost"],"lost":[0,7]})"));
}

TEST(MetadataDump, AnEmptyTable)
{
    const ImageBuilder b(8192);
    const Json j = Json::parse(dump_of(b.bytes()));
    EXPECT_TRUE(j["remaps"].is_array());
    EXPECT_TRUE(j["remaps"].empty());
    EXPECT_EQ(parse(dump_of(b.bytes())).remaps.size(), 0u);
}

TEST(MetadataDump, ReadsBackWhatItWrote)
{
    const ImageBuilder b = populated();
    const Dump dump = parse(dump_of(b.bytes()));
    const CheckReport r = check_bytes(b.bytes());
    Superblock expected = *r.copies[0].superblock;
    EXPECT_EQ(dump.superblock.uuid, expected.uuid);
    EXPECT_EQ(dump.superblock.seq, expected.seq);
    EXPECT_EQ(dump.superblock.table_used, 300u);
    EXPECT_EQ(dump.superblock.nr_remaps, 4u);
    EXPECT_EQ(dump.superblock.pool_blocks, expected.pool_blocks);
    EXPECT_EQ(dump.superblock.copy_offset, expected.copy_offset);
    ASSERT_EQ(dump.remaps.size(), 4u);
    EXPECT_EQ(dump.remaps[2].first, 127u);
    EXPECT_EQ(dump.remaps[2].second.block, 13u);
    EXPECT_EQ(dump.remaps[2].second.flags, flag_lost);
    EXPECT_EQ(dump.remaps[2].second.lost[0], 0x81u);
}

// Each edit of a good dump, and the field the error must name.
TEST(MetadataDump, RejectsEveryKindOfBadDump)
{
    const Json good = Json::parse(dump_of(populated().bytes()));
    struct Case {
        std::function<void(Json&)> edit;
        std::string field;
    };
    const std::vector<Case> cases = {
        {[](Json& j) { j["format"] = "something"; }, "format"},
        {[](Json& j) { j["format_version"] = 2; }, "format_version"},
        {[](Json& j) { j["extra"] = 1; }, "(document).extra"},
        {[](Json& j) { j.erase("superblock"); }, "superblock"},
        {[](Json& j) { j.erase("remaps"); }, "remaps"},
        {[](Json& j) { j["remaps"] = Json::object(); }, "remaps"},
        {[](Json& j) { j["superblock"]["uuid"] = "nope"; }, "superblock.uuid"},
        {[](Json& j) { j["superblock"].erase("uuid"); }, "superblock.uuid"},
        {[](Json& j) { j["superblock"]["block_size"] = 3000; }, "superblock.block_size"},
        {[](Json& j) { j["superblock"]["block_size"] = -4096; }, "superblock.block_size"},
        {[](Json& j) { j["superblock"]["block_size"] = 4096.5; }, "superblock.block_size"},
        {[](Json& j) { j["superblock"]["block_size"] = "4096"; }, "superblock.block_size"},
        {[](Json& j) { j["superblock"]["version"] = 2; }, "superblock.version"},
        {[](Json& j) { j["superblock"]["meta_block_size"] = 512; }, "superblock.meta_block_size"},
        {[](Json& j) { j["superblock"]["magic"] = 1; }, "superblock.magic"},
        {[](Json& j) { j["superblock"]["bogus"] = 1; }, "superblock.bogus"},
        {[](Json& j) { j["superblock"]["copy_offset"] = Json::array({0}); }, "superblock.copy_offset"},
        {[](Json& j) { j["superblock"]["table_used"] = 100000; }, "superblock.table_used"},
        {[](Json& j) { j["superblock"]["pool_blocks"] = 100000; }, "superblock.pool_blocks"},
        {[](Json& j) { j["superblock"]["copy_sectors"] = 8; }, "superblock.copy_sectors"},
        {[](Json& j) { j["superblock"]["main_sectors"] = 0; }, "superblock.main_sectors"},
        {[](Json& j) { j["superblock"]["nr_remaps"] = 3; }, "superblock.nr_remaps"},
        {[](Json& j) { j["remaps"][0]["block"] = 1u << 20; }, "remaps[0].block"},
        {[](Json& j) { j["remaps"][0].erase("block"); }, "remaps[0].block"},
        {[](Json& j) { j["remaps"][0]["spare_block"] = 300; }, "remaps[0].spare_block"},
        {[](Json& j) { j["remaps"][0]["color"] = "red"; }, "remaps[0].color"},
        {[](Json& j) { j["remaps"][0]["flags"] = Json::array({"shiny"}); }, "remaps[0].flags[0]"},
        {[](Json& j) { j["remaps"][1]["flags"] = Json::array({"auto", "auto"}); }, "remaps[1].flags[1]"},
        {[](Json& j) { j["remaps"][0]["flags"] = Json::array({"lost"}); }, "remaps[0].flags"},
        {[](Json& j) { j["remaps"][0]["lost"] = Json::array({1}); }, "remaps[0].flags"},
        {[](Json& j) { j["remaps"][2]["lost"] = Json::array({0, 8}); }, "remaps[2].lost[1]"},
        {[](Json& j) { j["remaps"][2]["lost"] = Json::array({3, 3}); }, "remaps[2].lost[1]"},
        {[](Json& j) { j["remaps"][3]["block"] = 10; }, "remaps[3].block"},
        {[](Json& j) { j["remaps"][3]["spare_block"] = 0; }, "remaps"},
        {[](Json& j) { j["remaps"][0] = 5; }, "remaps[0]"},
    };
    for (const Case& c : cases) {
        Json edited = good;
        c.edit(edited);
        try {
            parse(edited.dump());
            ADD_FAILURE() << "accepted an edit of " << c.field;
        } catch (const ParseError& error) {
            EXPECT_EQ(error.context(), "dump field '" + c.field + "'") << error.what();
        }
    }
}

TEST(MetadataDump, RejectsWhatIsNotJson)
{
    EXPECT_THROW(parse(""), ParseError);
    EXPECT_THROW(parse("{"), ParseError);
    EXPECT_THROW(parse("[1, 2]"), ParseError);
    EXPECT_THROW(parse("{\"format\": \"dm-remap-metadata\"} trailing"), ParseError);
    // Found by the fuzzer: a number beyond a double is out_of_range to nlohmann.
    EXPECT_THROW(parse("{\"format\": 8888888888e88888888888888888888888}"), ParseError);
}

TEST(MetadataDump, FitsTheDevice)
{
    const Dump dump = parse(dump_of(populated().bytes()));
    EXPECT_NO_THROW(check_dump_fits(dump, 8192));
    EXPECT_NO_THROW(check_dump_fits(dump, 100000));
    EXPECT_THROW(check_dump_fits(dump, 8191), ParseError);
}

// ---------------------------------------------------------------------------
// restore

std::vector<std::uint8_t> restored(const Dump& dump, std::vector<std::uint8_t> target,
                                   bool force = false, RestoreResult* result = nullptr)
{
    MemoryImage image(std::move(target));
    const RestoreResult r = restore_metadata(image, dump, force, 1800000000);
    if (result)
        *result = r;
    return image.bytes();
}

TEST(MetadataRestore, OntoABlankSpare)
{
    const ImageBuilder b = populated();
    const Dump dump = parse(dump_of(b.bytes()));
    RestoreResult result;
    const auto bytes = restored(dump, std::vector<std::uint8_t>(b.bytes().size()), false, &result);
    EXPECT_EQ(result.seq, 3u);
    EXPECT_EQ(result.remaps, 4u);
    EXPECT_TRUE(result.warnings.empty());
    const CheckReport r = check_bytes(bytes);
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_EQ(r.note_count, 0u) << listing(r);
    EXPECT_EQ(r.copies[0].superblock->uuid, dump.superblock.uuid);
    EXPECT_EQ(r.copies[1].superblock->seq, 3u);
    EXPECT_EQ(loaded_remaps(bytes), loaded_remaps(b.bytes()));
    // And the dump of the restored spare matches, apart from seq and times.
    const Dump again = parse(dump_of(bytes));
    EXPECT_EQ(again.remaps, dump.remaps);
}

TEST(MetadataRestore, OverItsOwnDamagedMetadataWithAFreshSeq)
{
    ImageBuilder b = populated();
    const Dump dump = parse(dump_of(b.bytes()));
    // Later commits, then both copies damaged.
    b.stage(5, 50);
    b.commit();
    b.stage(6, 60);
    b.commit();
    b.bytes()[b.table_offset(0, 0) + 500] ^= 1;
    b.bytes()[b.table_offset(1, 0) + 500] ^= 1;
    ASSERT_FALSE(check_bytes(b.bytes()).chosen);
    RestoreResult result;
    const auto bytes = restored(dump, b.bytes(), false, &result);
    EXPECT_EQ(result.seq, b.seq() + 1);  // above what was on the device
    const CheckReport r = check_bytes(bytes);
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_EQ(loaded_remaps(bytes).count(5), 0u);
}

TEST(MetadataRestore, WarnsWhenItRollsBackNewerMetadata)
{
    ImageBuilder b = populated();
    const Dump dump = parse(dump_of(b.bytes()));
    b.stage(5, 50);
    b.commit();
    RestoreResult result;
    restored(dump, b.bytes(), false, &result);
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_NE(result.warnings[0].find("newer metadata"), std::string::npos);
}

TEST(MetadataRestore, RefusesASpareWithOtherData)
{
    const Dump dump = parse(dump_of(populated().bytes()));
    std::vector<std::uint8_t> target(8192 * 512);
    target[100] = 1;
    try {
        restored(dump, target);
        FAIL() << "no refusal";
    } catch (const OperationError& error) {
        EXPECT_NE(error.reason().find("not dm-remap metadata"), std::string::npos) << error.what();
        EXPECT_NE(error.reason().find("--force"), std::string::npos);
    }
    RestoreResult result;
    const auto bytes = restored(dump, target, true, &result);
    EXPECT_FALSE(check_bytes(bytes).damaged());
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_NE(result.warnings[0].find("overwriting"), std::string::npos);
}

TEST(MetadataRestore, RefusesAnotherMetadataSet)
{
    const Dump dump = parse(dump_of(populated().bytes()));
    ImageBuilder other = populated();
    for (unsigned copy = 0; copy < 2; ++copy) {
        auto sb = other.superblock(copy);
        sb.uuid[0] = 0x11;
        other.put_superblock(copy, sb);
    }
    EXPECT_THROW(restored(dump, other.bytes()), OperationError);
    // Only copy 1 left of the other set: still refused.
    other.fill(0, 4096, 0);
    EXPECT_THROW(restored(dump, other.bytes()), OperationError);
    const auto bytes = restored(dump, other.bytes(), true);
    EXPECT_FALSE(check_bytes(bytes).damaged());
}

TEST(MetadataRestore, AcceptsItsOwnSetHoweverDamaged)
{
    const ImageBuilder b = populated();
    const Dump dump = parse(dump_of(b.bytes()));
    // Copy 0's superblock with a bad CRC but the set's uuid.
    auto damaged = b.bytes();
    damaged[300] ^= 1;
    EXPECT_NO_THROW(restored(dump, damaged));
    // Copy 0 overwritten with junk, copy 1 of the set intact.
    auto junk = b.bytes();
    std::fill(junk.begin(), junk.begin() + 4096, 0x5a);
    EXPECT_NO_THROW(restored(dump, junk));
}

TEST(MetadataRestore, RefusesALayoutThatDoesNotFitAndWritesNothing)
{
    const Dump dump = parse(dump_of(populated().bytes()));
    MemoryImage image(std::vector<std::uint8_t>(4096 * 512));  // half the size
    EXPECT_THROW(restore_metadata(image, dump, true, 1), ParseError);
    EXPECT_EQ(image.writes(), 0u);
}

TEST(MetadataRestore, ALargerSpareKeepsTheLayoutAndWarns)
{
    const ImageBuilder b = populated();
    const Dump dump = parse(dump_of(b.bytes()));
    RestoreResult result;
    const auto bytes = restored(dump, std::vector<std::uint8_t>(b.bytes().size() * 2), false, &result);
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_NE(result.warnings[0].find("layout is kept"), std::string::npos);
    const CheckReport r = check_bytes(bytes);
    EXPECT_FALSE(r.damaged()) << listing(r);
    EXPECT_EQ(r.copies[1].sector, b.geometry().copy_offset[1]);
}

TEST(MetadataRestore, RepairRestoreRoundTrip)
{
    // dump, destroy both copies, restore, repair nothing, dump again.
    ImageBuilder b = populated();
    const std::string first = dump_of(b.bytes());
    b.fill(b.superblock_offset(0), b.geometry().copy_sectors * 512, 0);
    b.fill(b.superblock_offset(1), b.geometry().copy_sectors * 512, 0);
    const auto bytes = restored(parse(first), b.bytes());
    const Json a = Json::parse(first);
    const Json c = Json::parse(dump_of(bytes));
    EXPECT_EQ(a["remaps"], c["remaps"]);
    EXPECT_EQ(a["superblock"]["uuid"], c["superblock"]["uuid"]);
    EXPECT_EQ(a["superblock"]["pool_blocks"], c["superblock"]["pool_blocks"]);
    EXPECT_EQ(a["superblock"]["format_time"], c["superblock"]["format_time"]);
}

}  // namespace
}  // namespace dmremap::metadata
