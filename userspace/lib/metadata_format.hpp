#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The on-disk metadata of dm-remap (include/uapi/dm-remap.h, which the
// kernel shares): constants, the decoded form of each metadata block, and
// the codec between the two. Decoding never fails: it reads fields; whether
// they make sense is for the checker to say.
namespace dmremap::metadata {

inline constexpr std::size_t block_bytes = 4096;  // one metadata block
inline constexpr std::uint64_t block_sectors = block_bytes / 512;
inline constexpr unsigned nr_copies = 2;
inline constexpr std::uint32_t superblock_magic = 0x504d5244;  // "DRMP"
inline constexpr std::uint32_t table_magic = 0x4c424154;       // "TABL"
inline constexpr std::uint32_t format_version = 1;
inline constexpr std::size_t entries_per_block = 127;
inline constexpr std::uint64_t free_entry = ~std::uint64_t{0};
inline constexpr std::uint32_t flag_lost = 1u << 0;
inline constexpr std::uint32_t flag_auto = 1u << 1;
inline constexpr std::uint32_t known_flags = flag_lost | flag_auto;
// The highest seq a superblock may carry (the kernel's DM_REMAP_MAX_SEQ).
inline constexpr std::uint64_t max_seq = (std::uint64_t{1} << 63) - 1;
inline constexpr std::uint32_t max_sectors_per_block = 128;  // 65536-byte blocks
inline constexpr std::size_t lost_words = max_sectors_per_block / 64;

using RawBlock = std::array<std::uint8_t, block_bytes>;
using Uuid = std::array<std::uint8_t, 16>;

struct Superblock {
    std::uint32_t crc = 0;
    std::uint32_t magic = 0;
    std::uint32_t version = 0;
    std::uint32_t copy = 0;
    std::uint64_t seq = 0;
    Uuid uuid{};
    std::uint32_t block_size = 0;
    std::uint32_t meta_block_size = 0;
    std::uint64_t main_sectors = 0;
    std::uint64_t spare_sectors = 0;
    std::array<std::uint64_t, nr_copies> copy_offset{};
    std::uint64_t copy_sectors = 0;
    std::uint64_t table_blocks = 0;
    std::uint64_t pool_offset = 0;
    std::uint64_t pool_blocks = 0;
    std::uint64_t table_used = 0;
    std::uint64_t nr_remaps = 0;
    std::uint64_t format_time = 0;
    std::uint64_t commit_time = 0;

    bool operator==(const Superblock&) const = default;
};

struct Entry {
    std::uint64_t block = free_entry;  // target block, or free_entry
    std::uint32_t flags = 0;
    std::uint32_t reserved = 0;
    std::array<std::uint64_t, lost_words> lost{};  // bit n: sector n of the block is lost

    bool is_free() const noexcept { return block == free_entry; }
    bool has_lost_sectors() const noexcept { return lost[0] != 0 || lost[1] != 0; }
    bool operator==(const Entry&) const = default;
};

struct TableHeader {
    std::uint32_t crc = 0;
    std::uint32_t magic = 0;
    std::uint64_t seq = 0;
    std::uint64_t index = 0;
    std::uint32_t copy = 0;
    std::uint32_t reserved = 0;

    bool operator==(const TableHeader&) const = default;
};

using Entries = std::array<Entry, entries_per_block>;

struct TableBlock {
    TableHeader header;
    Entries entries;

    bool operator==(const TableBlock&) const = default;
};

// The CRC a metadata block carries in its first 4 bytes, and the one its
// bytes 4..4095 have.
std::uint32_t stored_crc(const RawBlock& block) noexcept;
std::uint32_t computed_crc(const RawBlock& block) noexcept;
// Stores computed_crc() in the crc field.
void seal(RawBlock& block) noexcept;
std::uint32_t magic_of(const RawBlock& block) noexcept;
bool is_zero(std::span<const std::uint8_t> bytes) noexcept;

Superblock decode_superblock(const RawBlock& block) noexcept;
// Every field as given (crc too: seal() afterwards for a valid block); the
// padding is zero.
RawBlock encode_superblock(const Superblock& sb) noexcept;

TableBlock decode_table_block(const RawBlock& block) noexcept;
RawBlock encode_table_block(const TableBlock& table) noexcept;
// Reads entry i (0..126) only.
Entry decode_entry(const RawBlock& block, std::size_t i) noexcept;

// A field of a metadata block, for reports: its name and where it sits in
// the 4096-byte block.
struct Field {
    std::string name;
    std::size_t offset = 0;
    std::size_t size = 0;
};

enum class SuperblockField {
    crc, magic, version, copy, seq, uuid, block_size, meta_block_size, main_sectors,
    spare_sectors, copy_offset_0, copy_offset_1, copy_sectors, table_blocks, pool_offset,
    pool_blocks, table_used, nr_remaps, format_time, commit_time,
};
enum class HeaderField { crc, magic, seq, index, copy, reserved };
enum class EntryField { block, flags, reserved, lost };

Field field(SuperblockField which);
Field field(HeaderField which);
// Entry i of a table block.
Field field(std::size_t entry, EntryField which);
const std::vector<SuperblockField>& all_superblock_fields();
const std::vector<HeaderField>& all_header_fields();

// The bits of the lost bitmap that a block of block_size bytes has (one per
// 512-byte sector); the others must be clear.
std::array<std::uint64_t, lost_words> lost_mask(std::uint32_t block_size) noexcept;

// "01234567-89ab-cdef-0123-456789abcdef", and back (nullopt-like: false on
// anything else).
std::string uuid_to_string(const Uuid& uuid);
bool uuid_from_string(std::string_view text, Uuid& uuid) noexcept;

}  // namespace dmremap::metadata
