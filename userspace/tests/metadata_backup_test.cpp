#include "metadata_backup.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "error.hpp"

namespace dmremap::metadata {
namespace {

std::vector<std::uint8_t> pattern(std::size_t size)
{
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return bytes;
}

std::string saved(MemoryImage& image,
                  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                  std::uint64_t& unreadable)
{
    std::ostringstream out;
    write_backup(out, read_backup(image, ranges, unreadable));
    return out.str();
}

std::string parse_error(const std::string& text)
{
    std::istringstream in(text);
    try {
        parse_backup(in);
    } catch (const ParseError& error) {
        return error.what();
    }
    return "";
}

TEST(MetadataBackup, PutsTheAreasBackByteForByte)
{
    MemoryImage image(pattern(16 * 4096));
    const auto original = image.bytes();
    std::uint64_t unreadable = 1;
    const std::string text = saved(image, {{0, 2 * 4096}, {8 * 4096, 4096}}, unreadable);
    EXPECT_EQ(unreadable, 0u);
    std::istringstream probe(text);
    EXPECT_TRUE(is_backup(probe));

    std::fill(image.bytes().begin(), image.bytes().end(), 0);
    std::istringstream in(text);
    const Backup backup = parse_backup(in);
    EXPECT_EQ(backup.device_bytes, 16u * 4096);
    ASSERT_EQ(backup.areas.size(), 2u);
    restore_backup(image, backup);
    EXPECT_EQ(std::vector<std::uint8_t>(image.bytes().begin(), image.bytes().begin() + 2 * 4096),
              std::vector<std::uint8_t>(original.begin(), original.begin() + 2 * 4096));
    EXPECT_EQ(image.bytes()[8 * 4096 + 5], original[8 * 4096 + 5]);
    EXPECT_EQ(image.bytes()[4 * 4096], 0);  // not saved, not written
    EXPECT_EQ(image.flushes(), 1u);
}

TEST(MetadataBackup, LeavesOutBlocksThatCannotBeRead)
{
    MemoryImage image(pattern(8 * 4096));
    image.fail_reads_at(4096 + 10);
    std::uint64_t unreadable = 0;
    std::istringstream in(saved(image, {{0, 3 * 4096}, {7 * 4096, 2 * 4096}}, unreadable));
    EXPECT_EQ(unreadable, 2u);  // block 1, and the block beyond the end
    const Backup backup = parse_backup(in);
    ASSERT_EQ(backup.areas.size(), 3u);
    EXPECT_EQ(backup.areas[0].offset, 0u);
    EXPECT_EQ(backup.areas[1].offset, 2u * 4096);
    EXPECT_EQ(backup.areas[2].offset, 7u * 4096);
}

TEST(MetadataBackup, RefusesADamagedFile)
{
    MemoryImage image(pattern(4 * 4096));
    std::uint64_t unreadable = 0;
    const std::string text = saved(image, {{0, 4096}}, unreadable);

    std::string flipped = text;
    flipped[flipped.find('\n', flipped.find("area")) + 100] ^= 1;
    EXPECT_NE(parse_error(flipped).find("the area at byte 0 has a bad CRC"), std::string::npos);
    EXPECT_NE(parse_error(text.substr(0, text.size() - 2000)).find("is cut off"), std::string::npos);
    EXPECT_NE(parse_error(text.substr(0, text.size() - 4)).find("cut off before the line 'end'"),
              std::string::npos);
    EXPECT_NE(parse_error("dm-remap metadata backup 2\n").find("the first line is not"),
              std::string::npos);
    EXPECT_NE(parse_error("dm-remap metadata backup 1\ndevice_bytes x\n").find("expected 'device_bytes <number>'"),
              std::string::npos);
    EXPECT_NE(parse_error("dm-remap metadata backup 1\ndevice_bytes 5\narea 1\n").find("expected 'area"),
              std::string::npos);
    std::istringstream json("{\"format\": 1}");
    EXPECT_FALSE(is_backup(json));
}

TEST(MetadataBackup, RefusesAnAreaBeyondTheDevice)
{
    MemoryImage big(pattern(8 * 4096));
    std::uint64_t unreadable = 0;
    std::istringstream in(saved(big, {{6 * 4096, 2 * 4096}}, unreadable));
    const Backup backup = parse_backup(in);
    MemoryImage small(std::vector<std::uint8_t>(4 * 4096));
    try {
        restore_backup(small, backup);
        FAIL() << "wrote beyond the end";
    } catch (const ParseError& error) {
        EXPECT_NE(std::string(error.what()).find("lies beyond the end of (memory)"), std::string::npos)
            << error.what();
    }
    EXPECT_EQ(small.writes(), 0u);
}

}  // namespace
}  // namespace dmremap::metadata
