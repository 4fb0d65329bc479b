#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app.hpp"
#include "cli_test_support.hpp"
#include "error.hpp"
#include "metadata_image.hpp"
#include "metadata_render.hpp"
#include "metadata_test_support.hpp"
#include "temp_dir.hpp"

namespace dmremap::cli {
namespace {

using testing_support::ImageBuilder;
using testing_support::TempDir;
namespace fs = std::filesystem;


void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes)
{
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> read_bytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const fs::path& path)
{
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class CliMetadata : public testing::Test {
protected:
    void SetUp() override
    {
        builder_.stage(0, 10);
        builder_.stage(200, 20, metadata::flag_auto);
        builder_.commit();
        write_bytes(image(), builder_.bytes());
    }

    fs::path image() const { return dir_.path() / "spare.img"; }

    TempDir dir_;
    ImageBuilder builder_{8192};
};

TEST_F(CliMetadata, ParsesTheCommands)
{
    Cli cli;
    std::vector<std::string> args{"--force", "spare.img", "dump.json", "restore", "metadata"};
    cli.app().parse(args);
    EXPECT_EQ(cli.selected_command(), "metadata restore");
    EXPECT_EQ(cli.arguments().metadata.restore.dump, "dump.json");
    EXPECT_EQ(cli.arguments().metadata.restore.spare, "spare.img");
    EXPECT_TRUE(cli.arguments().metadata.restore.force);
}

TEST_F(CliMetadata, UsageErrorsExitWith2)
{
    EXPECT_EQ(run({"metadata"}).status, 2);
    EXPECT_EQ(run({"metadata", "frobnicate", image().string()}).status, 2);
    EXPECT_EQ(run({"metadata", "check"}).status, 2);
    EXPECT_EQ(run({"metadata", "check", image().string(), "extra"}).status, 2);
    EXPECT_EQ(run({"metadata", "restore", "only-one"}).status, 2);
    EXPECT_EQ(run({"metadata", "dump", image().string(), "-o"}).status, 2);
    EXPECT_EQ(run({"metadata", "check", "--help"}).status, 0);
}

TEST_F(CliMetadata, CheckACleanImage)
{
    const RunResult r = run({"metadata", "check", image().string()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("dm-remap metadata clean"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("  copy 1 at sector "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("result: clean: the kernel loads copy 0 (seq 2, 2 remaps)"),
              std::string::npos) << r.err;
}

TEST_F(CliMetadata, CheckADamagedImage)
{
    // A superblock with a bad CRC: its seq cannot be trusted, so commits
    // may be lost although the kernel would load copy 0.
    auto bytes = builder_.bytes();
    bytes[builder_.superblock_offset(1) + 64] ^= 1;
    write_bytes(image(), bytes);
    const RunResult r = run({"metadata", "check", image().string()});
    EXPECT_EQ(r.status, 1);
    const std::string expected = "  damage: copy 1, metadata block 0 (superblock), byte " +
                                 std::to_string(builder_.superblock_offset(1)) +
                                 ", field crc: superblock: stored CRC ";
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("result: damaged (1 problem)"), std::string::npos) << r.err;
}

TEST_F(CliMetadata, CheckADegradedImage)
{
    // A bad table block in copy 1: the kernel loads copy 0, of the same
    // commit, and rewrites copy 1.
    auto bytes = builder_.bytes();
    bytes[builder_.table_offset(1, 1) + 64] ^= 1;
    write_bytes(image(), bytes);
    const RunResult r = run({"metadata", "check", image().string()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("dm-remap metadata degraded"), std::string::npos) << r.err;
    const std::string expected = "  note: copy 1, metadata block 2 (table block 1), byte " +
                                 std::to_string(builder_.table_offset(1, 1)) +
                                 ", field crc: table block 1: stored CRC ";
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("result: degraded: the kernel loads copy 0 (seq 2, 2 remaps) and "
                         "rewrites copy 1 at its next commit"),
              std::string::npos) << r.err;
    const RunResult j = run({"metadata", "check", "--json", image().string()});
    EXPECT_EQ(j.status, 0) << j.err;
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc["state"], "degraded");
    EXPECT_EQ(doc["load"], "degraded");
    EXPECT_EQ(doc["damage"], 0);
}

TEST_F(CliMetadata, CheckSaysWhichCopyHasAnotherLayout)
{
    auto sb = builder_.superblock(1);
    sb.pool_blocks -= 1;  // still fits: only the layout differs from copy 0's
    builder_.put_superblock(1, sb);
    write_bytes(image(), builder_.bytes());
    const RunResult r = run({"metadata", "check", image().string()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("copy 1 at sector 8112: damaged (seq 2, layout differs from copy 0's)"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find("result: degraded"), std::string::npos) << r.err;
    const RunResult j = run({"metadata", "check", "--json", image().string()});
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc["copies"][0]["layout_differs"], false);
    EXPECT_EQ(doc["copies"][1]["layout_differs"], true);
    EXPECT_EQ(doc["load"], "degraded");
}

TEST_F(CliMetadata, CheckATornImagePassesDegraded)
{
    builder_.stage(5, 50);
    const auto writes = builder_.commit(false);
    auto bytes = read_bytes(image());
    std::memcpy(bytes.data() + writes[0].offset, writes[0].data.data(), 4096);
    write_bytes(image(), bytes);
    const RunResult r = run({"metadata", "check", image().string()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("dm-remap metadata degraded"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("note: copy 0: torn"), std::string::npos) << r.err;
}

TEST_F(CliMetadata, CheckAsJson)
{
    auto bytes = builder_.bytes();
    bytes[builder_.superblock_offset(0) + 40] ^= 1;
    write_bytes(image(), bytes);
    const RunResult r = run({"metadata", "check", "--json", image().string()});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(r.err.empty()) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["state"], "damaged");
    EXPECT_EQ(j["chosen_copy"], 1);
    EXPECT_EQ(j["copies"][0]["status"], "damaged");
    EXPECT_EQ(j["copies"][0]["superblock"], "damaged");
    ASSERT_FALSE(j["problems"].empty());
    EXPECT_EQ(j["problems"][0]["severity"], "damage");
    EXPECT_EQ(j["problems"][0]["copy"], 0);
    EXPECT_EQ(j["problems"][0]["meta_block"], 0);
    EXPECT_EQ(j["problems"][0]["offset"], 0);
    EXPECT_EQ(j["problems"][0]["field"], "crc");
}

TEST_F(CliMetadata, CheckFailsOnAMissingFile)
{
    const RunResult r = run({"metadata", "check", (dir_.path() / "nope").string()});
    EXPECT_EQ(r.status, exit_unreadable);
    EXPECT_NE(r.err.find("dmremap: open "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(CliMetadata, CheckJsonIsADocumentAlsoWhenTheOpenFails)
{
    const std::string missing = (dir_.path() / "nope").string();
    const RunResult r = run({"metadata", "check", "--json", missing});
    EXPECT_EQ(r.status, exit_unreadable);
    const auto j = nlohmann::ordered_json::parse(r.out);
    EXPECT_EQ(j.begin().key(), "schema");
    EXPECT_EQ(j["schema"], 1);
    EXPECT_EQ(j["device"], missing);
    EXPECT_EQ(j["state"], "unreadable");
    EXPECT_NE(j["error"].get<std::string>().find("No such file"), std::string::npos);
    const RunResult repair = run({"metadata", "repair", "--json", missing});
    EXPECT_EQ(repair.status, exit_unreadable);
    EXPECT_EQ(nlohmann::json::parse(repair.out)["state"], "unreadable");
}

TEST_F(CliMetadata, CheckTellsBlankAndForeignApart)
{
    write_bytes(image(), std::vector<std::uint8_t>(builder_.bytes().size()));
    const RunResult blank = run({"metadata", "check", "--json", image().string()});
    EXPECT_EQ(blank.status, exit_no_metadata);
    const auto j = nlohmann::json::parse(blank.out);
    EXPECT_EQ(j["state"], "no_metadata");
    EXPECT_EQ(j["blank"], true);

    std::vector<std::uint8_t> data(builder_.bytes().size(), 0);
    std::fill(data.begin(), data.begin() + 1024, 0xe5);
    write_bytes(image(), data);
    const RunResult foreign = run({"metadata", "check", image().string()});
    EXPECT_EQ(foreign.status, exit_no_metadata);
    EXPECT_NE(foreign.err.find("result: no dm-remap metadata"), std::string::npos) << foreign.err;
    EXPECT_EQ(run({"metadata", "dump", image().string()}).status, exit_no_metadata);
    EXPECT_EQ(run({"metadata", "repair", image().string()}).status, exit_no_metadata);

    // A swap area, named by libblkid as wipefs would.
    std::vector<std::uint8_t> swap(builder_.bytes().size(), 0);
    swap[1024] = 1;     // version 1
    swap[1028] = 0xff;  // last_page
    const std::string magic = "SWAPSPACE2";
    std::copy(magic.begin(), magic.end(), swap.begin() + 4096 - 10);
    write_bytes(image(), swap);
    const RunResult named = run({"metadata", "check", image().string()});
    EXPECT_EQ(named.status, exit_no_metadata);
    EXPECT_NE(named.err.find("  the device holds: swap\n"), std::string::npos) << named.err;
    const auto j2 = nlohmann::json::parse(run({"metadata", "check", "--json", image().string()}).out);
    EXPECT_EQ(j2["foreign"], "swap");
    EXPECT_NE(run({"metadata", "dump", image().string()}).err.find("it holds: swap"), std::string::npos);
}

TEST_F(CliMetadata, CheckNeverWrites)
{
    auto bytes = builder_.bytes();
    bytes[builder_.table_offset(1, 1) + 64] ^= 1;
    write_bytes(image(), bytes);
    fs::permissions(image(), fs::perms::owner_read | fs::perms::group_read);
    EXPECT_EQ(run({"metadata", "check", image().string()}).status, 0);  // degraded
    EXPECT_EQ(run({"metadata", "dump", image().string()}).status, 0);
    EXPECT_EQ(read_bytes(image()), bytes);
}

TEST_F(CliMetadata, DumpToStdoutAndToAFile)
{
    const RunResult r = run({"metadata", "dump", image().string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["remaps"].size(), 2u);
    EXPECT_EQ(j["remaps"][1]["flags"][0], "auto");

    const fs::path file = dir_.path() / "dump.json";
    const RunResult f = run({"metadata", "dump", image().string(), "-o", file.string()});
    ASSERT_EQ(f.status, 0) << f.err;
    EXPECT_TRUE(f.out.empty());
    EXPECT_NE(f.err.find("dumped 2 remaps (copy 0, seq 2)"), std::string::npos) << f.err;
    EXPECT_EQ(nlohmann::json::parse(read_text(file)), j);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 2);
}

TEST_F(CliMetadata, DumpFailsWithoutAConsistentCopy)
{
    auto bytes = builder_.bytes();
    bytes[100] ^= 1;
    bytes[builder_.superblock_offset(1) + 100] ^= 1;
    write_bytes(image(), bytes);
    const fs::path file = dir_.path() / "dump.json";
    const RunResult r = run({"metadata", "dump", image().string(), "-o", file.string()});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("no consistent metadata copy"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(file));
}

TEST_F(CliMetadata, RestoreRoundTrip)
{
    const fs::path file = dir_.path() / "dump.json";
    ASSERT_EQ(run({"metadata", "dump", image().string(), "-o", file.string()}).status, 0);
    const fs::path target = dir_.path() / "new.img";
    write_bytes(target, std::vector<std::uint8_t>(builder_.bytes().size()));
    const RunResult r = run({"metadata", "restore", file.string(), target.string()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("restored 2 remaps to"), std::string::npos) << r.err;
    EXPECT_EQ(run({"metadata", "check", target.string()}).status, 0);
    const auto before = nlohmann::json::parse(run({"metadata", "dump", image().string()}).out);
    const auto after = nlohmann::json::parse(run({"metadata", "dump", target.string()}).out);
    EXPECT_EQ(before["remaps"], after["remaps"]);
    EXPECT_EQ(after["superblock"]["seq"], 3);
}

TEST_F(CliMetadata, RestoreRefusesOtherDataWithoutForce)
{
    const fs::path file = dir_.path() / "dump.json";
    ASSERT_EQ(run({"metadata", "dump", image().string(), "-o", file.string()}).status, 0);
    const fs::path target = dir_.path() / "data.img";
    std::vector<std::uint8_t> data(builder_.bytes().size(), 0);
    std::fill(data.begin(), data.begin() + 1024, 0xe5);  // some file system
    write_bytes(target, data);
    const RunResult r = run({"metadata", "restore", file.string(), target.string()});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("refusing to overwrite it"), std::string::npos) << r.err;
    EXPECT_EQ(read_bytes(target), data);
    const RunResult forced = run({"metadata", "restore", "--force", file.string(), target.string()});
    EXPECT_EQ(forced.status, 0) << forced.err;
    EXPECT_NE(forced.err.find("warning: overwriting"), std::string::npos) << forced.err;
    EXPECT_EQ(run({"metadata", "check", target.string()}).status, 0);
}

TEST_F(CliMetadata, RestoreValidatesTheDumpBeforeWriting)
{
    const fs::path file = dir_.path() / "dump.json";
    ASSERT_EQ(run({"metadata", "dump", image().string(), "-o", file.string()}).status, 0);
    auto j = nlohmann::json::parse(read_text(file));
    j["remaps"][1]["block"] = 10;  // the same block twice
    std::ofstream(file) << j.dump();
    const fs::path target = dir_.path() / "new.img";
    const std::vector<std::uint8_t> blank(builder_.bytes().size());
    write_bytes(target, blank);
    const RunResult r = run({"metadata", "restore", "--force", file.string(), target.string()});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("dump field 'remaps[1].block'"), std::string::npos) << r.err;
    EXPECT_EQ(read_bytes(target), blank);

    std::ofstream(file) << "{ not json";
    EXPECT_EQ(run({"metadata", "restore", file.string(), target.string()}).status, 1);
    EXPECT_EQ(read_bytes(target), blank);
    EXPECT_EQ(run({"metadata", "restore", (dir_.path() / "absent.json").string(), target.string()}).status, 1);
}

TEST_F(CliMetadata, RepairFixesAndReports)
{
    auto bytes = builder_.bytes();
    bytes[builder_.table_offset(0, 1) + 64] ^= 1;
    write_bytes(image(), bytes);
    const RunResult dry = run({"metadata", "repair", "--dry-run", image().string()});
    EXPECT_EQ(dry.status, exit_repaired) << dry.err;
    EXPECT_NE(dry.err.find("nothing written"), std::string::npos) << dry.err;
    EXPECT_EQ(read_bytes(image()), bytes);

    const RunResult r = run({"metadata", "repair", image().string()});
    EXPECT_EQ(r.status, exit_repaired) << r.err;
    EXPECT_NE(r.err.find("repaired:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("copy 0 was damaged: rebuilt from copy 1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("after the repair: clean"), std::string::npos) << r.err;
    EXPECT_EQ(run({"metadata", "check", image().string()}).status, 0);

    const RunResult again = run({"metadata", "repair", "--json", image().string()});
    EXPECT_EQ(again.status, 0);
    const auto j = nlohmann::ordered_json::parse(again.out);
    EXPECT_EQ(j.begin().key(), "schema");
    EXPECT_EQ(j["needed"], false);
    EXPECT_EQ(j["written"], false);
}

TEST_F(CliMetadata, ALossyRepairNeedsForceAndKeepsABackup)
{
    // The same entry of table block 1 corrupted in both copies: the other
    // remaps are salvaged, that entry is not.
    auto bytes = builder_.bytes();
    bytes[builder_.table_offset(0, 1) + 64] ^= 1;
    bytes[builder_.table_offset(1, 1) + 64] ^= 1;
    write_bytes(image(), bytes);
    const RunResult r = run({"metadata", "repair", image().string()});
    EXPECT_EQ(r.status, exit_needs_force) << r.err;
    EXPECT_NE(r.err.find("no copy can be taken whole: salvaged 2 remaps"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("spare block 128: block "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("needs --force"), std::string::npos) << r.err;
    EXPECT_EQ(read_bytes(image()), bytes);

    const fs::path backup = dir_.path() / "before.backup";
    const RunResult forced =
        run({"metadata", "repair", "--force", "--backup", backup.string(), image().string()});
    EXPECT_EQ(forced.status, exit_repaired) << forced.err;
    EXPECT_NE(forced.err.find("saved in " + backup.string()), std::string::npos) << forced.err;
    EXPECT_EQ(run({"metadata", "check", image().string()}).status, 0);
    const auto dumped = nlohmann::json::parse(run({"metadata", "dump", image().string()}).out);
    EXPECT_EQ(dumped["remaps"].size(), 2u);

    // The backup puts the damaged metadata back, byte for byte.
    const RunResult restored = run({"metadata", "restore", backup.string(), image().string()});
    EXPECT_EQ(restored.status, 0) << restored.err;
    EXPECT_NE(restored.err.find("dmremap: restored 2 metadata areas"), std::string::npos)
        << restored.err;
    EXPECT_EQ(read_bytes(image()), bytes);
}

TEST_F(CliMetadata, DumpSalvageSaysWhereEachRemapCameFrom)
{
    auto bytes = builder_.bytes();
    bytes[100] ^= 1;
    bytes[builder_.superblock_offset(1) + 100] ^= 1;
    write_bytes(image(), bytes);
    EXPECT_EQ(run({"metadata", "dump", image().string()}).status, exit_failure);
    const RunResult r = run({"metadata", "dump", "--salvage", image().string()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("dmremap: salvaged 2 remaps"), std::string::npos) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["chosen_copy"], nullptr);
    EXPECT_EQ(j["salvage"]["unrecovered_count"], 0);
    ASSERT_EQ(j["remaps"].size(), 2u);
    EXPECT_EQ(j["remaps"][1]["spare_block"], 200);
    EXPECT_EQ(j["remaps"][1]["source"]["copies"], nlohmann::json::array({0, 1}));
    EXPECT_EQ(j["remaps"][1]["source"]["table_block"], 1);

    // The salvage dump restores.
    const fs::path file = dir_.path() / "salvage.json";
    std::ofstream(file) << r.out;
    const fs::path target = dir_.path() / "new.img";
    write_bytes(target, std::vector<std::uint8_t>(builder_.bytes().size()));
    EXPECT_EQ(run({"metadata", "restore", file.string(), target.string()}).status, 0);
    EXPECT_EQ(run({"metadata", "check", target.string()}).status, 0);
}

TEST_F(CliMetadata, RestoreRefusesDuplicateKeys)
{
    const auto dump = run({"metadata", "dump", image().string()}).out;
    std::string doubled = dump;
    const auto at = doubled.find("\"block\":10");
    ASSERT_NE(at, std::string::npos);
    doubled.insert(at, "\"block\":11,");
    const fs::path file = dir_.path() / "dump.json";
    std::ofstream(file) << doubled;
    const RunResult r = run({"metadata", "restore", "--force", file.string(), image().string()});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("key 'block' appears twice"), std::string::npos) << r.err;
}

TEST(MetadataSpareFile, RefusesAnImageThatAHeldLoopDeviceUses)
{
    TempDir dir;
    const fs::path image = dir.path() / "spare.img";
    write_bytes(image, std::vector<std::uint8_t>(8192));
    const fs::path sysfs = dir.path() / "sys";
    fs::create_directories(sysfs / "block/loop3/loop");
    fs::create_directories(sysfs / "block/loop4/loop");
    std::ofstream(sysfs / "block/loop3/loop/backing_file") << image.string() << "\n";
    std::ofstream(sysfs / "block/loop4/loop/backing_file") << "/elsewhere.img\n";
    EXPECT_EQ(metadata::loop_devices_backed_by(image, sysfs), std::vector<std::string>{"loop3"});
    // Attached but unused: fine.
    EXPECT_NO_THROW(metadata::SpareFile(image, metadata::SpareFile::Mode::read_only, sysfs));
    fs::create_directories(sysfs / "block/loop3/holders/dm-7");
    try {
        metadata::SpareFile spare(image, metadata::SpareFile::Mode::read_write, sysfs);
        FAIL() << "opened an image in use";
    } catch (const OperationError& error) {
        EXPECT_EQ(error.error_code(), EBUSY);
        EXPECT_NE(error.reason().find("/dev/loop3, which dm-7 holds"), std::string::npos)
            << error.what();
    }
}

TEST(MetadataSpareFile, ReadsAndWritesAnImage)
{
    TempDir dir;
    const fs::path path = dir.path() / "spare.img";
    write_bytes(path, std::vector<std::uint8_t>(3 * 4096 + 100));
    {
        metadata::SpareFile spare(path, metadata::SpareFile::Mode::read_write);
        EXPECT_EQ(spare.size_bytes(), 3u * 4096 + 100);
        EXPECT_FALSE(spare.is_block_device());
        metadata::RawBlock block;
        block.fill(7);
        spare.write(4096, block);
        spare.flush();
        EXPECT_THROW(spare.write(3 * 4096, block), OperationError);
        EXPECT_TRUE(metadata::read_block(spare, 4096).ok());
        EXPECT_EQ(metadata::read_block(spare, 4096).block, block);
        EXPECT_EQ(metadata::read_block(spare, 3 * 4096).status,
                  metadata::BlockRead::Status::beyond_end);
    }
    metadata::SpareFile read_only(path, metadata::SpareFile::Mode::read_only);
    metadata::RawBlock block{};
    EXPECT_THROW(read_only.write(0, block), OperationError);
    EXPECT_THROW(metadata::SpareFile(dir.path(), metadata::SpareFile::Mode::read_only),
                 OperationError);
}

TEST(MetadataRender, DescribesLocations)
{
    metadata::Problem p;
    p.copy = 1;
    p.meta_block = 3;
    p.offset = 12345;
    p.field = "crc";
    EXPECT_EQ(describe_location(p), "copy 1, metadata block 3 (table block 2), byte 12345, field crc");
    p.meta_block = 0;
    p.field.clear();
    EXPECT_EQ(describe_location(p), "copy 1, metadata block 0 (superblock), byte 12345");
    EXPECT_EQ(describe_location(metadata::Problem{}), "");
}

}  // namespace
}  // namespace dmremap::cli
