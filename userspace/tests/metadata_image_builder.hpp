#pragma once

// Builds spare images the way the kernel does (kernel/dm-remap-metadata.c:
// remap_geometry_compute(), format(), commit_staged()), through the uapi
// structures rather than the library's codec, so that the tests compare two
// independent readings of the format.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "metadata_crc32c.hpp"
#include "uapi/dm-remap.h"

namespace dmremap::testing_support {

static_assert(std::endian::native == std::endian::little,
              "the image builder stores host integers as little-endian ones");

inline constexpr std::uint64_t kMetaSectors = DM_REMAP_META_BLOCK_SECTORS;
inline constexpr std::uint64_t kEpb = DM_REMAP_ENTRIES_PER_BLOCK;

struct KernelGeometry {
    std::uint64_t copy_offset[2] = {0, 0};
    std::uint64_t copy_sectors = 0;
    std::uint64_t table_blocks = 0;
    std::uint64_t pool_offset = 0;
    std::uint32_t pool_blocks = 0;
};

inline std::uint64_t kernel_used_blocks(std::uint64_t table_used)
{
    return (table_used + kEpb - 1) / kEpb;
}

// remap_geometry_compute(), line by line.
inline std::optional<KernelGeometry> kernel_geometry(std::uint64_t spare_sectors,
                                                     std::uint32_t block_size)
{
    const std::uint64_t bs = block_size >> 9;
    const std::uint64_t align = std::max<std::uint64_t>(kMetaSectors, bs);
    std::uint64_t pool = spare_sectors / bs;
    KernelGeometry g;
    g.copy_sectors = ((1 + kernel_used_blocks(pool)) * kMetaSectors + align - 1) / align * align;
    if (2 * g.copy_sectors + bs > spare_sectors)
        return std::nullopt;
    g.copy_offset[0] = 0;
    g.copy_offset[1] = (spare_sectors - g.copy_sectors) / kMetaSectors * kMetaSectors;
    g.pool_offset = g.copy_sectors;
    pool = (g.copy_offset[1] - g.pool_offset) / bs;
    if (!pool)
        return std::nullopt;
    g.pool_blocks = static_cast<std::uint32_t>(std::min<std::uint64_t>(pool, UINT32_MAX));
    g.table_blocks = kernel_used_blocks(g.pool_blocks);
    return g;
}

inline std::uint32_t kernel_meta_crc(const void* block)
{
    const auto* bytes = static_cast<const std::uint8_t*>(block);
    return metadata::crc32c(std::span<const std::uint8_t>(bytes + 4, DM_REMAP_META_BLOCK_SIZE - 4));
}

class ImageBuilder {
public:
    struct Write {
        std::uint64_t offset = 0;
        std::array<std::uint8_t, DM_REMAP_META_BLOCK_SIZE> data{};
        unsigned copy = 0;
        bool superblock = false;
        std::uint64_t index = 0;  // table block, when not the superblock
    };

    struct Change {
        std::uint64_t block = DM_REMAP_ENTRY_FREE;
        std::uint32_t flags = 0;
        std::uint64_t lost[2] = {0, 0};
    };

    // A blank spare of spare_sectors, formatted as format() does.
    explicit ImageBuilder(std::uint64_t spare_sectors, std::uint32_t block_size = 4096,
                          std::uint64_t main_sectors = 1u << 21, bool do_format = true)
        : image_(spare_sectors * 512), block_size_(block_size), main_sectors_(main_sectors),
          spare_sectors_(spare_sectors)
    {
        const auto g = kernel_geometry(spare_sectors, block_size);
        if (!g)
            throw std::invalid_argument("spare too small");
        geo_ = *g;
        for (unsigned i = 0; i < 16; ++i)
            uuid_[i] = static_cast<std::uint8_t>(0xa0 + i);
        if (do_format)
            format();
    }

    // format(): copy 1's superblock, then copy 0's, seq 1, empty table.
    void format()
    {
        seq_ = 1;
        table_used_ = 0;
        nr_remaps_ = 0;
        apply(superblock_write(1, seq_, 0, 0));
        apply(superblock_write(0, seq_, 0, 0));
    }

    // remap_metadata_stage(): an entry for the next commit.
    void stage(std::uint32_t spare, std::uint64_t block, std::uint32_t flags = 0,
               std::uint64_t lost0 = 0, std::uint64_t lost1 = 0)
    {
        Change c;
        c.block = block;
        c.flags = flags;
        c.lost[0] = lost0;
        c.lost[1] = lost1;
        staged_.emplace_back(spare, c);
        staged_used_ = std::max<std::uint64_t>(staged_used_, std::uint64_t{spare} + 1);
    }
    void stage_free(std::uint32_t spare) { stage(spare, DM_REMAP_ENTRY_FREE); }

    // commit_staged() with both copies healthy: the metadata block writes
    // of the commit in the kernel's order (copy 0's table blocks, its
    // superblock, then copy 1's), applied unless apply_writes is false.
    std::vector<Write> commit(bool apply_writes = true)
    {
        const std::uint64_t seq = seq_ + 1;
        const std::uint64_t new_used = std::max(table_used_, staged_used_);
        std::vector<Write> writes;
        std::int64_t delta = 0;
        std::vector<std::uint8_t> scratch = image_;  // reads see earlier writes of this commit
        for (unsigned copy = 0; copy < 2; ++copy) {
            std::map<std::uint64_t, dm_remap_disk_table_block> dirty;
            for (std::uint64_t i = kernel_used_blocks(table_used_); i < kernel_used_blocks(new_used); ++i) {
                dm_remap_disk_table_block tb;
                std::memset(&tb, 0, sizeof tb);
                for (auto& e : tb.entries)
                    e.block = DM_REMAP_ENTRY_FREE;
                dirty[i] = tb;
            }
            std::int64_t copy_delta = 0;
            for (const auto& [spare, change] : staged_) {
                const std::uint64_t i = spare / kEpb;
                if (!dirty.count(i))
                    std::memcpy(&dirty[i], scratch.data() + table_offset(copy, i), 4096);
                dm_remap_disk_entry& d = dirty[i].entries[spare % kEpb];
                const bool was_free = d.block == DM_REMAP_ENTRY_FREE;
                std::memset(&d, 0, sizeof d);
                d.block = change.block;
                if (change.block != DM_REMAP_ENTRY_FREE) {
                    d.flags = change.flags & DM_REMAP_ENTRY_KNOWN_FLAGS;
                    d.lost[0] = change.lost[0];
                    d.lost[1] = change.lost[1];
                }
                copy_delta += static_cast<std::int64_t>(was_free) -
                              static_cast<std::int64_t>(change.block == DM_REMAP_ENTRY_FREE);
            }
            for (auto& [i, tb] : dirty) {
                tb.header.magic = DM_REMAP_TABLE_MAGIC;
                tb.header.seq = seq;
                tb.header.index = i;
                tb.header.copy = copy;
                tb.header.reserved = 0;
                tb.header.crc = kernel_meta_crc(&tb);
                Write w;
                w.offset = table_offset(copy, i);
                std::memcpy(w.data.data(), &tb, 4096);
                w.copy = copy;
                w.index = i;
                std::memcpy(scratch.data() + w.offset, w.data.data(), 4096);
                writes.push_back(w);
            }
            const auto nr = static_cast<std::uint64_t>(static_cast<std::int64_t>(nr_remaps_) + copy_delta);
            Write sbw = superblock_write(copy, seq, new_used, nr);
            std::memcpy(scratch.data() + sbw.offset, sbw.data.data(), 4096);
            writes.push_back(sbw);
            delta = copy_delta;
        }
        nr_remaps_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(nr_remaps_) + delta);
        seq_ = seq;
        table_used_ = new_used;
        staged_.clear();
        staged_used_ = 0;
        if (apply_writes)
            for (const Write& w : writes)
                apply(w);
        return writes;
    }

    void apply(const Write& w) { std::memcpy(image_.data() + w.offset, w.data.data(), w.data.size()); }

    std::vector<std::uint8_t>& bytes() { return image_; }
    const std::vector<std::uint8_t>& bytes() const { return image_; }
    const KernelGeometry& geometry() const { return geo_; }
    std::uint64_t seq() const { return seq_; }
    std::uint64_t table_used() const { return table_used_; }
    std::uint64_t nr_remaps() const { return nr_remaps_; }
    std::uint64_t main_blocks() const { return main_sectors_ / (block_size_ / 512); }
    std::uint32_t block_size() const { return block_size_; }
    const std::uint8_t* uuid() const { return uuid_; }

    std::uint64_t superblock_offset(unsigned copy) const { return geo_.copy_offset[copy] * 512; }
    std::uint64_t table_offset(unsigned copy, std::uint64_t index) const
    {
        return (geo_.copy_offset[copy] + kMetaSectors * (1 + index)) * 512;
    }

    dm_remap_disk_superblock superblock(unsigned copy) const
    {
        dm_remap_disk_superblock sb;
        std::memcpy(&sb, image_.data() + superblock_offset(copy), sizeof sb);
        return sb;
    }
    void put_superblock(unsigned copy, dm_remap_disk_superblock sb, bool reseal = true)
    {
        if (reseal)
            sb.crc = kernel_meta_crc(&sb);
        std::memcpy(image_.data() + superblock_offset(copy), &sb, sizeof sb);
    }
    dm_remap_disk_table_block table_block(unsigned copy, std::uint64_t index) const
    {
        dm_remap_disk_table_block tb;
        std::memcpy(&tb, image_.data() + table_offset(copy, index), sizeof tb);
        return tb;
    }
    void put_table_block(unsigned copy, std::uint64_t index, dm_remap_disk_table_block tb,
                         bool reseal = true)
    {
        if (reseal)
            tb.header.crc = kernel_meta_crc(&tb);
        std::memcpy(image_.data() + table_offset(copy, index), &tb, sizeof tb);
    }
    // Recomputes the CRC of the metadata block at offset.
    void reseal(std::uint64_t offset)
    {
        const std::uint32_t crc = kernel_meta_crc(image_.data() + offset);
        std::memcpy(image_.data() + offset, &crc, 4);
    }
    void fill(std::uint64_t offset, std::size_t length, std::uint8_t value)
    {
        std::memset(image_.data() + offset, value, length);
    }

private:
    Write superblock_write(unsigned copy, std::uint64_t seq, std::uint64_t table_used,
                           std::uint64_t nr_remaps) const
    {
        dm_remap_disk_superblock sb;
        std::memset(&sb, 0, sizeof sb);
        sb.magic = DM_REMAP_MAGIC;
        sb.version = DM_REMAP_FORMAT_VERSION;
        sb.copy = copy;
        sb.seq = seq;
        std::memcpy(sb.uuid, uuid_, sizeof sb.uuid);
        sb.block_size = block_size_;
        sb.meta_block_size = DM_REMAP_META_BLOCK_SIZE;
        sb.main_sectors = main_sectors_;
        sb.spare_sectors = spare_sectors_;
        sb.copy_offset[0] = geo_.copy_offset[0];
        sb.copy_offset[1] = geo_.copy_offset[1];
        sb.copy_sectors = geo_.copy_sectors;
        sb.table_blocks = geo_.table_blocks;
        sb.pool_offset = geo_.pool_offset;
        sb.pool_blocks = geo_.pool_blocks;
        sb.table_used = table_used;
        sb.nr_remaps = nr_remaps;
        sb.format_time = 1700000000;
        sb.commit_time = 1700000000 + seq;
        sb.crc = kernel_meta_crc(&sb);
        Write w;
        w.offset = superblock_offset(copy);
        std::memcpy(w.data.data(), &sb, sizeof sb);
        w.copy = copy;
        w.superblock = true;
        return w;
    }

    std::vector<std::uint8_t> image_;
    std::uint32_t block_size_;
    std::uint64_t main_sectors_;
    std::uint64_t spare_sectors_;
    KernelGeometry geo_;
    std::uint8_t uuid_[16];
    std::uint64_t seq_ = 0;
    std::uint64_t table_used_ = 0;
    std::uint64_t nr_remaps_ = 0;
    std::vector<std::pair<std::uint32_t, Change>> staged_;
    std::uint64_t staged_used_ = 0;
};

}  // namespace dmremap::testing_support
