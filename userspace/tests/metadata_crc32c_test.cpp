#include "metadata_crc32c.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace dmremap::metadata {
namespace {

std::uint32_t crc_of(std::string_view text)
{
    return crc32c(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                                text.size()));
}

std::uint32_t crc_of(const std::vector<std::uint8_t>& bytes)
{
    return crc32c(bytes);
}

// The check value of CRC-32C and the test vectors of RFC 3720 (iSCSI),
// appendix B.4.
TEST(Crc32c, MatchesTheCheckValue)
{
    EXPECT_EQ(crc_of("123456789"), 0xe3069283u);
}

TEST(Crc32c, MatchesRfc3720Vectors)
{
    EXPECT_EQ(crc_of(std::vector<std::uint8_t>(32, 0x00)), 0x8a9136aau);
    EXPECT_EQ(crc_of(std::vector<std::uint8_t>(32, 0xff)), 0x62a8ab43u);
    std::vector<std::uint8_t> ascending(32), descending(32);
    for (std::uint8_t i = 0; i < 32; ++i) {
        ascending[i] = i;
        descending[i] = static_cast<std::uint8_t>(31 - i);
    }
    EXPECT_EQ(crc_of(ascending), 0x46dd794eu);
    EXPECT_EQ(crc_of(descending), 0x113fdb5cu);
    const std::vector<std::uint8_t> iscsi_read = {
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    EXPECT_EQ(crc_of(iscsi_read), 0xd9963a56u);
}

TEST(Crc32c, EmptyInputIsZero)
{
    EXPECT_EQ(crc_of(""), 0u);
}

TEST(Crc32c, ChainsLikeTheKernel)
{
    // ~crc32c(crc32c(~0, a), b) == crc of a + b, for every split: covers
    // the 8-byte and the byte-wise paths.
    const std::string_view text = "The quick brown fox jumps over the lazy dog";
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
    const std::uint32_t whole = crc_of(text);
    for (std::size_t split = 0; split <= text.size(); ++split) {
        const std::uint32_t head = crc32c_update(~0u, {bytes, split});
        EXPECT_EQ(~crc32c_update(head, {bytes + split, text.size() - split}), whole) << split;
    }
    EXPECT_EQ(whole, 0x22620404u);
}

TEST(Crc32c, TheTablesMatchTheCheckValue)
{
    const std::string_view text = "123456789";
    EXPECT_EQ(~crc32c_update_table(~0u, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}),
              0xe3069283u);
}

TEST(Crc32c, TheInstructionAndTheTablesAgree)
{
    if (!crc32c_hardware_available())
        GTEST_SKIP() << "this CPU has no crc32 instruction";
    std::vector<std::uint8_t> data(4096 + 13);
    std::uint32_t state = 12345;
    for (std::uint8_t& byte : data) {
        state = state * 1103515245 + 12345;
        byte = static_cast<std::uint8_t>(state >> 16);
    }
    // Every length from 0 to 40 (the tail loop) and offsets that misalign
    // the 8-byte loads, then whole blocks.
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t length = 0; length <= 40; ++length) {
            const std::span<const std::uint8_t> part(data.data() + offset, length);
            EXPECT_EQ(crc32c_update_hardware(0xffffffff, part), crc32c_update_table(0xffffffff, part))
                << offset << " " << length;
        }
    }
    EXPECT_EQ(crc32c_update_hardware(0, data), crc32c_update_table(0, data));
    EXPECT_EQ(crc32c_update(7, data), crc32c_update_table(7, data));
}

}  // namespace
}  // namespace dmremap::metadata
