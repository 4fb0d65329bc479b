#include "metadata_format.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "metadata_geometry.hpp"
#include "metadata_image_builder.hpp"

namespace dmremap::metadata {
namespace {

using testing_support::ImageBuilder;
using testing_support::kernel_geometry;

RawBlock raw_at(const std::vector<std::uint8_t>& image, std::uint64_t offset)
{
    RawBlock raw;
    std::memcpy(raw.data(), image.data() + offset, raw.size());
    return raw;
}

TEST(MetadataFormat, DecodesTheKernelsSuperblock)
{
    ImageBuilder builder(8192);
    const auto& g = builder.geometry();
    const RawBlock raw = raw_at(builder.bytes(), 0);
    const Superblock sb = decode_superblock(raw);
    EXPECT_EQ(sb.magic, superblock_magic);
    EXPECT_EQ(sb.version, 1u);
    EXPECT_EQ(sb.copy, 0u);
    EXPECT_EQ(sb.seq, 1u);
    EXPECT_EQ(sb.uuid[0], 0xa0);
    EXPECT_EQ(sb.uuid[15], 0xaf);
    EXPECT_EQ(sb.block_size, 4096u);
    EXPECT_EQ(sb.meta_block_size, 4096u);
    EXPECT_EQ(sb.main_sectors, 1u << 21);
    EXPECT_EQ(sb.spare_sectors, 8192u);
    EXPECT_EQ(sb.copy_offset[1], g.copy_offset[1]);
    EXPECT_EQ(sb.copy_sectors, g.copy_sectors);
    EXPECT_EQ(sb.table_blocks, g.table_blocks);
    EXPECT_EQ(sb.pool_offset, g.pool_offset);
    EXPECT_EQ(sb.pool_blocks, g.pool_blocks);
    EXPECT_EQ(sb.format_time, 1700000000u);
    EXPECT_EQ(stored_crc(raw), computed_crc(raw));
    EXPECT_EQ(encode_superblock(sb), raw);
}

TEST(MetadataFormat, RoundTripsATableBlock)
{
    ImageBuilder builder(8192);
    builder.stage(3, 77, flag_auto | flag_lost, 0x5, 0);
    builder.stage(130, 12345);
    builder.commit();
    const RawBlock raw = raw_at(builder.bytes(), builder.table_offset(0, 0));
    const TableBlock t = decode_table_block(raw);
    EXPECT_EQ(t.header.magic, table_magic);
    EXPECT_EQ(t.header.seq, 2u);
    EXPECT_EQ(t.header.index, 0u);
    EXPECT_EQ(t.header.copy, 0u);
    EXPECT_EQ(t.entries[3].block, 77u);
    EXPECT_EQ(t.entries[3].flags, flag_auto | flag_lost);
    EXPECT_EQ(t.entries[3].lost[0], 0x5u);
    EXPECT_TRUE(t.entries[4].is_free());
    EXPECT_EQ(decode_entry(raw, 3), t.entries[3]);
    EXPECT_EQ(encode_table_block(t), raw);
    const TableBlock second = decode_table_block(raw_at(builder.bytes(), builder.table_offset(1, 1)));
    EXPECT_EQ(second.header.copy, 1u);
    EXPECT_EQ(second.header.index, 1u);
    EXPECT_EQ(second.entries[130 - 127].block, 12345u);
}

TEST(MetadataFormat, SealsWithTheCrcOfBytes4To4095)
{
    RawBlock raw{};
    raw[100] = 1;
    seal(raw);
    EXPECT_EQ(stored_crc(raw), computed_crc(raw));
    raw[0] ^= 1;  // the CRC field itself is not covered
    EXPECT_NE(stored_crc(raw), computed_crc(raw));
    raw[0] ^= 1;
    raw[4095] ^= 0x80;
    EXPECT_NE(stored_crc(raw), computed_crc(raw));
}

TEST(MetadataFormat, FieldsSitWhereTheUapiHeaderPutsThem)
{
    EXPECT_EQ(field(SuperblockField::seq).offset, offsetof(dm_remap_disk_superblock, seq));
    EXPECT_EQ(field(SuperblockField::copy_offset_1).offset,
              offsetof(dm_remap_disk_superblock, copy_offset) + 8);
    EXPECT_EQ(field(SuperblockField::commit_time).offset,
              offsetof(dm_remap_disk_superblock, commit_time));
    EXPECT_EQ(field(HeaderField::index).offset, offsetof(dm_remap_disk_table_header, index));
    const Field f = field(5, EntryField::reserved);
    EXPECT_EQ(f.name, "entries[5].reserved");
    EXPECT_EQ(f.offset, offsetof(dm_remap_disk_table_block, entries) +
                            5 * sizeof(dm_remap_disk_entry) +
                            offsetof(dm_remap_disk_entry, reserved));
    EXPECT_EQ(all_superblock_fields().size(), 20u);
    EXPECT_EQ(all_header_fields().size(), 6u);
}

TEST(MetadataFormat, LostMaskCoversTheBlocksSectors)
{
    EXPECT_EQ(lost_mask(512)[0], 1u);
    EXPECT_EQ(lost_mask(512)[1], 0u);
    EXPECT_EQ(lost_mask(4096)[0], 0xffu);
    EXPECT_EQ(lost_mask(32768)[0], ~std::uint64_t{0});
    EXPECT_EQ(lost_mask(32768)[1], 0u);
    EXPECT_EQ(lost_mask(65536)[1], ~std::uint64_t{0});
}

TEST(MetadataFormat, UuidText)
{
    Uuid uuid{};
    for (std::uint8_t i = 0; i < 16; ++i)
        uuid[i] = static_cast<std::uint8_t>(i * 17);
    const std::string text = uuid_to_string(uuid);
    EXPECT_EQ(text, "00112233-4455-6677-8899-aabbccddeeff");
    Uuid back{};
    EXPECT_TRUE(uuid_from_string(text, back));
    EXPECT_EQ(back, uuid);
    EXPECT_TRUE(uuid_from_string("00112233-4455-6677-8899-AABBCCDDEEFF", back));
    EXPECT_FALSE(uuid_from_string("00112233445566778899aabbccddeeff", back));
    EXPECT_FALSE(uuid_from_string("00112233-4455-6677-8899-aabbccddeefg", back));
    EXPECT_FALSE(uuid_from_string("", back));
}

TEST(MetadataGeometry, MatchesTheKernelForManySizes)
{
    for (std::uint32_t bs = 512; bs <= 65536; bs <<= 1) {
        for (std::uint64_t sectors :
             {std::uint64_t{0}, std::uint64_t{8}, std::uint64_t{63}, std::uint64_t{64},
              std::uint64_t{300}, std::uint64_t{4097}, std::uint64_t{8192},
              std::uint64_t{1} << 21, (std::uint64_t{1} << 31) + 7, std::uint64_t{1} << 40,
              std::uint64_t{1} << 45}) {
            const auto expected = kernel_geometry(sectors, bs);
            const auto actual = compute_geometry(sectors, bs);
            ASSERT_EQ(actual.has_value(), expected.has_value()) << bs << " " << sectors;
            if (!actual)
                continue;
            EXPECT_EQ(actual->copy_offset[1], expected->copy_offset[1]);
            EXPECT_EQ(actual->copy_sectors, expected->copy_sectors);
            EXPECT_EQ(actual->table_blocks, expected->table_blocks);
            EXPECT_EQ(actual->pool_offset, expected->pool_offset);
            EXPECT_EQ(actual->pool_blocks, expected->pool_blocks);
            Superblock sb;
            sb.block_size = bs;
            set_geometry(sb, *actual);
            sb.table_used = actual->pool_blocks;
            EXPECT_TRUE(geometry_faults(sb, sectors).empty()) << bs << " " << sectors;
        }
    }
}

TEST(MetadataGeometry, CapsThePoolAt32Bits)
{
    const auto g = compute_geometry(std::uint64_t{1} << 45, 512);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->pool_blocks, 0xffffffffu);
}

TEST(MetadataGeometry, NamesWhatDoesNotFit)
{
    const auto g = compute_geometry(8192, 4096);
    ASSERT_TRUE(g);
    Superblock sb;
    sb.block_size = 4096;
    set_geometry(sb, *g);
    EXPECT_TRUE(geometry_faults(sb, 8192).empty());
    ASSERT_EQ(geometry_faults(sb, 8191).size(), 1u);
    EXPECT_EQ(geometry_faults(sb, 8191)[0].field, SuperblockField::copy_offset_1);

    Superblock overflow = sb;
    overflow.copy_offset[1] = ~std::uint64_t{0} - 10;  // wraps in the kernel's sum
    bool named = false;
    for (const auto& fault : geometry_faults(overflow, 8192))
        named |= fault.field == SuperblockField::copy_offset_1;
    EXPECT_TRUE(named);

    Superblock huge_table = sb;
    huge_table.table_blocks = (std::uint64_t{1} << 61) - 1;  // (1 + n) * 8 wraps to 0
    named = false;
    for (const auto& fault : geometry_faults(huge_table, 8192))
        named |= fault.field == SuperblockField::copy_sectors;
    EXPECT_TRUE(named);

    Superblock used = sb;
    used.table_used = used.pool_blocks + 1;
    ASSERT_EQ(geometry_faults(used, 8192).size(), 1u);
    EXPECT_EQ(geometry_faults(used, 8192)[0].field, SuperblockField::table_used);
}

TEST(MetadataGeometry, UsedTableBlocks)
{
    EXPECT_EQ(used_table_blocks(0), 0u);
    EXPECT_EQ(used_table_blocks(1), 1u);
    EXPECT_EQ(used_table_blocks(127), 1u);
    EXPECT_EQ(used_table_blocks(128), 2u);
}

}  // namespace
}  // namespace dmremap::metadata
