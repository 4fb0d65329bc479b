#include "metadata_format.hpp"

#include <cstddef>

#include "metadata_crc32c.hpp"
#include "uapi/dm-remap.h"

namespace dmremap::metadata {

// The codec reads and writes bytes at the offsets of the structures the
// kernel uses, so the two cannot drift apart silently.
static_assert(block_bytes == DM_REMAP_META_BLOCK_SIZE);
static_assert(block_sectors == DM_REMAP_META_BLOCK_SECTORS);
static_assert(nr_copies == DM_REMAP_NR_COPIES);
static_assert(superblock_magic == DM_REMAP_MAGIC);
static_assert(table_magic == DM_REMAP_TABLE_MAGIC);
static_assert(format_version == DM_REMAP_FORMAT_VERSION);
static_assert(entries_per_block == DM_REMAP_ENTRIES_PER_BLOCK);
static_assert(free_entry == DM_REMAP_ENTRY_FREE);
static_assert(flag_lost == DM_REMAP_ENTRY_LOST && flag_auto == DM_REMAP_ENTRY_AUTO);
static_assert(known_flags == DM_REMAP_ENTRY_KNOWN_FLAGS);
static_assert(max_sectors_per_block == DM_REMAP_MAX_SECTORS_PER_BLOCK);
static_assert(sizeof(dm_remap_disk_superblock) == block_bytes);
static_assert(sizeof(dm_remap_disk_table_block) == block_bytes);
static_assert(sizeof(dm_remap_disk_entry) == 32);
static_assert(sizeof(dm_remap_disk_table_header) == 32);
static_assert(lost_words == sizeof(dm_remap_disk_entry::lost) / sizeof(std::uint64_t));

namespace {

using sb_t = dm_remap_disk_superblock;
using header_t = dm_remap_disk_table_header;
using entry_t = dm_remap_disk_entry;

constexpr std::size_t header_size = sizeof(header_t);
constexpr std::size_t entry_size = sizeof(entry_t);

std::uint32_t get32(const RawBlock& b, std::size_t at) noexcept
{
    return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
           static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}

std::uint64_t get64(const RawBlock& b, std::size_t at) noexcept
{
    return static_cast<std::uint64_t>(get32(b, at)) |
           static_cast<std::uint64_t>(get32(b, at + 4)) << 32;
}

void put32(RawBlock& b, std::size_t at, std::uint32_t value) noexcept
{
    for (std::size_t i = 0; i < 4; ++i)
        b[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

void put64(RawBlock& b, std::size_t at, std::uint64_t value) noexcept
{
    put32(b, at, static_cast<std::uint32_t>(value));
    put32(b, at + 4, static_cast<std::uint32_t>(value >> 32));
}

std::size_t entry_offset(std::size_t i) noexcept
{
    return header_size + i * entry_size;
}

void put_entry(RawBlock& b, std::size_t i, const Entry& e) noexcept
{
    const std::size_t at = entry_offset(i);
    put64(b, at + offsetof(entry_t, block), e.block);
    put32(b, at + offsetof(entry_t, flags), e.flags);
    put32(b, at + offsetof(entry_t, reserved), e.reserved);
    for (std::size_t w = 0; w < lost_words; ++w)
        put64(b, at + offsetof(entry_t, lost) + 8 * w, e.lost[w]);
}

}  // namespace

std::uint32_t stored_crc(const RawBlock& block) noexcept
{
    return get32(block, 0);
}

std::uint32_t computed_crc(const RawBlock& block) noexcept
{
    return crc32c(std::span<const std::uint8_t>(block).subspan(sizeof(std::uint32_t)));
}

void seal(RawBlock& block) noexcept
{
    put32(block, 0, computed_crc(block));
}

std::uint32_t magic_of(const RawBlock& block) noexcept
{
    static_assert(offsetof(sb_t, magic) == offsetof(header_t, magic));
    return get32(block, offsetof(sb_t, magic));
}

bool is_zero(std::span<const std::uint8_t> bytes) noexcept
{
    for (const std::uint8_t byte : bytes)
        if (byte != 0)
            return false;
    return true;
}

Superblock decode_superblock(const RawBlock& b) noexcept
{
    Superblock sb;
    sb.crc = get32(b, offsetof(sb_t, crc));
    sb.magic = get32(b, offsetof(sb_t, magic));
    sb.version = get32(b, offsetof(sb_t, version));
    sb.copy = get32(b, offsetof(sb_t, copy));
    sb.seq = get64(b, offsetof(sb_t, seq));
    for (std::size_t i = 0; i < sb.uuid.size(); ++i)
        sb.uuid[i] = b[offsetof(sb_t, uuid) + i];
    sb.block_size = get32(b, offsetof(sb_t, block_size));
    sb.meta_block_size = get32(b, offsetof(sb_t, meta_block_size));
    sb.main_sectors = get64(b, offsetof(sb_t, main_sectors));
    sb.spare_sectors = get64(b, offsetof(sb_t, spare_sectors));
    for (std::size_t i = 0; i < nr_copies; ++i)
        sb.copy_offset[i] = get64(b, offsetof(sb_t, copy_offset) + 8 * i);
    sb.copy_sectors = get64(b, offsetof(sb_t, copy_sectors));
    sb.table_blocks = get64(b, offsetof(sb_t, table_blocks));
    sb.pool_offset = get64(b, offsetof(sb_t, pool_offset));
    sb.pool_blocks = get64(b, offsetof(sb_t, pool_blocks));
    sb.table_used = get64(b, offsetof(sb_t, table_used));
    sb.nr_remaps = get64(b, offsetof(sb_t, nr_remaps));
    sb.format_time = get64(b, offsetof(sb_t, format_time));
    sb.commit_time = get64(b, offsetof(sb_t, commit_time));
    return sb;
}

RawBlock encode_superblock(const Superblock& sb) noexcept
{
    RawBlock b{};
    put32(b, offsetof(sb_t, crc), sb.crc);
    put32(b, offsetof(sb_t, magic), sb.magic);
    put32(b, offsetof(sb_t, version), sb.version);
    put32(b, offsetof(sb_t, copy), sb.copy);
    put64(b, offsetof(sb_t, seq), sb.seq);
    for (std::size_t i = 0; i < sb.uuid.size(); ++i)
        b[offsetof(sb_t, uuid) + i] = sb.uuid[i];
    put32(b, offsetof(sb_t, block_size), sb.block_size);
    put32(b, offsetof(sb_t, meta_block_size), sb.meta_block_size);
    put64(b, offsetof(sb_t, main_sectors), sb.main_sectors);
    put64(b, offsetof(sb_t, spare_sectors), sb.spare_sectors);
    for (std::size_t i = 0; i < nr_copies; ++i)
        put64(b, offsetof(sb_t, copy_offset) + 8 * i, sb.copy_offset[i]);
    put64(b, offsetof(sb_t, copy_sectors), sb.copy_sectors);
    put64(b, offsetof(sb_t, table_blocks), sb.table_blocks);
    put64(b, offsetof(sb_t, pool_offset), sb.pool_offset);
    put64(b, offsetof(sb_t, pool_blocks), sb.pool_blocks);
    put64(b, offsetof(sb_t, table_used), sb.table_used);
    put64(b, offsetof(sb_t, nr_remaps), sb.nr_remaps);
    put64(b, offsetof(sb_t, format_time), sb.format_time);
    put64(b, offsetof(sb_t, commit_time), sb.commit_time);
    return b;
}

Entry decode_entry(const RawBlock& b, std::size_t i) noexcept
{
    const std::size_t at = entry_offset(i);
    Entry e;
    e.block = get64(b, at + offsetof(entry_t, block));
    e.flags = get32(b, at + offsetof(entry_t, flags));
    e.reserved = get32(b, at + offsetof(entry_t, reserved));
    for (std::size_t w = 0; w < lost_words; ++w)
        e.lost[w] = get64(b, at + offsetof(entry_t, lost) + 8 * w);
    return e;
}

TableBlock decode_table_block(const RawBlock& b) noexcept
{
    TableBlock t;
    t.header.crc = get32(b, offsetof(header_t, crc));
    t.header.magic = get32(b, offsetof(header_t, magic));
    t.header.seq = get64(b, offsetof(header_t, seq));
    t.header.index = get64(b, offsetof(header_t, index));
    t.header.copy = get32(b, offsetof(header_t, copy));
    t.header.reserved = get32(b, offsetof(header_t, reserved));
    for (std::size_t i = 0; i < entries_per_block; ++i)
        t.entries[i] = decode_entry(b, i);
    return t;
}

RawBlock encode_table_block(const TableBlock& t) noexcept
{
    RawBlock b{};
    put32(b, offsetof(header_t, crc), t.header.crc);
    put32(b, offsetof(header_t, magic), t.header.magic);
    put64(b, offsetof(header_t, seq), t.header.seq);
    put64(b, offsetof(header_t, index), t.header.index);
    put32(b, offsetof(header_t, copy), t.header.copy);
    put32(b, offsetof(header_t, reserved), t.header.reserved);
    for (std::size_t i = 0; i < entries_per_block; ++i)
        put_entry(b, i, t.entries[i]);
    return b;
}

Field field(SuperblockField which)
{
    switch (which) {
    case SuperblockField::crc: return {"crc", offsetof(sb_t, crc), 4};
    case SuperblockField::magic: return {"magic", offsetof(sb_t, magic), 4};
    case SuperblockField::version: return {"version", offsetof(sb_t, version), 4};
    case SuperblockField::copy: return {"copy", offsetof(sb_t, copy), 4};
    case SuperblockField::seq: return {"seq", offsetof(sb_t, seq), 8};
    case SuperblockField::uuid: return {"uuid", offsetof(sb_t, uuid), 16};
    case SuperblockField::block_size: return {"block_size", offsetof(sb_t, block_size), 4};
    case SuperblockField::meta_block_size:
        return {"meta_block_size", offsetof(sb_t, meta_block_size), 4};
    case SuperblockField::main_sectors: return {"main_sectors", offsetof(sb_t, main_sectors), 8};
    case SuperblockField::spare_sectors:
        return {"spare_sectors", offsetof(sb_t, spare_sectors), 8};
    case SuperblockField::copy_offset_0: return {"copy_offset[0]", offsetof(sb_t, copy_offset), 8};
    case SuperblockField::copy_offset_1:
        return {"copy_offset[1]", offsetof(sb_t, copy_offset) + 8, 8};
    case SuperblockField::copy_sectors: return {"copy_sectors", offsetof(sb_t, copy_sectors), 8};
    case SuperblockField::table_blocks: return {"table_blocks", offsetof(sb_t, table_blocks), 8};
    case SuperblockField::pool_offset: return {"pool_offset", offsetof(sb_t, pool_offset), 8};
    case SuperblockField::pool_blocks: return {"pool_blocks", offsetof(sb_t, pool_blocks), 8};
    case SuperblockField::table_used: return {"table_used", offsetof(sb_t, table_used), 8};
    case SuperblockField::nr_remaps: return {"nr_remaps", offsetof(sb_t, nr_remaps), 8};
    case SuperblockField::format_time: return {"format_time", offsetof(sb_t, format_time), 8};
    case SuperblockField::commit_time: return {"commit_time", offsetof(sb_t, commit_time), 8};
    }
    return {"?", 0, 0};
}

Field field(HeaderField which)
{
    switch (which) {
    case HeaderField::crc: return {"crc", offsetof(header_t, crc), 4};
    case HeaderField::magic: return {"magic", offsetof(header_t, magic), 4};
    case HeaderField::seq: return {"seq", offsetof(header_t, seq), 8};
    case HeaderField::index: return {"index", offsetof(header_t, index), 8};
    case HeaderField::copy: return {"copy", offsetof(header_t, copy), 4};
    case HeaderField::reserved: return {"reserved", offsetof(header_t, reserved), 4};
    }
    return {"?", 0, 0};
}

Field field(std::size_t entry, EntryField which)
{
    const std::string prefix = "entries[" + std::to_string(entry) + "].";
    const std::size_t at = entry_offset(entry);
    switch (which) {
    case EntryField::block: return {prefix + "block", at + offsetof(entry_t, block), 8};
    case EntryField::flags: return {prefix + "flags", at + offsetof(entry_t, flags), 4};
    case EntryField::reserved: return {prefix + "reserved", at + offsetof(entry_t, reserved), 4};
    case EntryField::lost: return {prefix + "lost", at + offsetof(entry_t, lost), 8 * lost_words};
    }
    return {"?", 0, 0};
}

const std::vector<SuperblockField>& all_superblock_fields()
{
    static const std::vector<SuperblockField> fields{
        SuperblockField::crc,           SuperblockField::magic,
        SuperblockField::version,       SuperblockField::copy,
        SuperblockField::seq,           SuperblockField::uuid,
        SuperblockField::block_size,    SuperblockField::meta_block_size,
        SuperblockField::main_sectors,  SuperblockField::spare_sectors,
        SuperblockField::copy_offset_0, SuperblockField::copy_offset_1,
        SuperblockField::copy_sectors,  SuperblockField::table_blocks,
        SuperblockField::pool_offset,   SuperblockField::pool_blocks,
        SuperblockField::table_used,    SuperblockField::nr_remaps,
        SuperblockField::format_time,   SuperblockField::commit_time,
    };
    return fields;
}

const std::vector<HeaderField>& all_header_fields()
{
    static const std::vector<HeaderField> fields{HeaderField::crc,   HeaderField::magic,
                                                 HeaderField::seq,   HeaderField::index,
                                                 HeaderField::copy,  HeaderField::reserved};
    return fields;
}

std::array<std::uint64_t, lost_words> lost_mask(std::uint32_t block_size) noexcept
{
    std::array<std::uint64_t, lost_words> mask{};
    std::uint32_t sectors = block_size / 512;
    if (sectors > max_sectors_per_block)
        sectors = max_sectors_per_block;
    for (std::size_t w = 0; w < lost_words && sectors > 0; ++w) {
        const std::uint32_t here = sectors > 64 ? 64 : sectors;
        mask[w] = here == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << here) - 1;
        sectors -= here;
    }
    return mask;
}

std::string uuid_to_string(const Uuid& uuid)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    for (std::size_t i = 0; i < uuid.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            text += '-';
        text += digits[uuid[i] >> 4];
        text += digits[uuid[i] & 0xf];
    }
    return text;
}

bool uuid_from_string(std::string_view text, Uuid& uuid) noexcept
{
    if (text.size() != 36)
        return false;
    Uuid parsed{};
    std::size_t pos = 0;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (text[pos++] != '-')
                return false;
        }
        int value = 0;
        for (int half = 0; half < 2; ++half) {
            const char c = text[pos++];
            int digit;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            else
                return false;
            value = value * 16 + digit;
        }
        parsed[i] = static_cast<std::uint8_t>(value);
    }
    uuid = parsed;
    return true;
}

}  // namespace dmremap::metadata
