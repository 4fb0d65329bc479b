#include "metadata_geometry.hpp"

#include <algorithm>
#include <limits>

namespace dmremap::metadata {

namespace {

constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();

std::uint64_t round_up(std::uint64_t value, std::uint64_t align) noexcept
{
    return (value + align - 1) / align * align;
}

std::uint64_t round_down(std::uint64_t value, std::uint64_t align) noexcept
{
    return value / align * align;
}

// a + b and a * b, or nullopt when the result does not fit 64 bits.
std::optional<std::uint64_t> add(std::uint64_t a, std::uint64_t b) noexcept
{
    std::uint64_t result = 0;
    if (__builtin_add_overflow(a, b, &result))
        return std::nullopt;
    return result;
}

std::optional<std::uint64_t> mul(std::uint64_t a, std::uint64_t b) noexcept
{
    std::uint64_t result = 0;
    if (__builtin_mul_overflow(a, b, &result))
        return std::nullopt;
    return result;
}

std::string n(std::uint64_t value)
{
    return std::to_string(value);
}

}  // namespace

std::uint64_t used_table_blocks(std::uint64_t table_used) noexcept
{
    return table_used / entries_per_block + (table_used % entries_per_block != 0);
}

bool is_valid_block_size(std::uint64_t block_size) noexcept
{
    return block_size >= 512 && block_size <= 65536 && (block_size & (block_size - 1)) == 0;
}

std::optional<Geometry> compute_geometry(std::uint64_t spare_sectors, std::uint32_t block_size)
{
    if (!is_valid_block_size(block_size))
        return std::nullopt;
    const std::uint64_t bs = block_size / 512;
    const std::uint64_t align = std::max<std::uint64_t>(block_sectors, bs);
    std::uint64_t pool = spare_sectors / bs;

    Geometry g;
    g.copy_sectors = round_up((1 + used_table_blocks(pool)) * block_sectors, align);
    if (2 * g.copy_sectors + bs > spare_sectors)
        return std::nullopt;
    g.copy_offset[0] = 0;
    g.copy_offset[1] = round_down(spare_sectors - g.copy_sectors, block_sectors);
    g.pool_offset = g.copy_sectors;
    pool = (g.copy_offset[1] - g.pool_offset) / bs;
    if (pool == 0)
        return std::nullopt;
    g.pool_blocks = std::min(pool, u32_max);
    g.table_blocks = used_table_blocks(g.pool_blocks);
    return g;
}

Geometry geometry_of(const Superblock& sb) noexcept
{
    Geometry g;
    g.copy_offset = sb.copy_offset;
    g.copy_sectors = sb.copy_sectors;
    g.table_blocks = sb.table_blocks;
    g.pool_offset = sb.pool_offset;
    g.pool_blocks = sb.pool_blocks;
    return g;
}

void set_geometry(Superblock& sb, const Geometry& g) noexcept
{
    sb.copy_offset = g.copy_offset;
    sb.copy_sectors = g.copy_sectors;
    sb.table_blocks = g.table_blocks;
    sb.pool_offset = g.pool_offset;
    sb.pool_blocks = g.pool_blocks;
}

std::uint64_t main_blocks(const Superblock& sb) noexcept
{
    const std::uint64_t bs = sb.block_size / 512;
    return bs ? sb.main_sectors / bs : 0;
}

std::vector<GeometryFault> geometry_faults(const Superblock& sb, std::uint64_t device_sectors)
{
    std::vector<GeometryFault> faults;
    const auto meta = mul(add(sb.table_blocks, 1).value_or(0), block_sectors);
    if (!meta || *meta == 0 || sb.copy_sectors < *meta) {
        faults.push_back({SuperblockField::copy_sectors,
                          "copy_sectors " + n(sb.copy_sectors) + " cannot hold the superblock and " +
                              n(sb.table_blocks) + " table blocks"});
    }
    if (sb.copy_offset[0] != 0) {
        faults.push_back({SuperblockField::copy_offset_0,
                          "copy_offset[0] is " + n(sb.copy_offset[0]) + ", not 0"});
    }
    if (sb.pool_offset < sb.copy_sectors) {
        faults.push_back({SuperblockField::pool_offset,
                          "the pool at sector " + n(sb.pool_offset) + " overlaps copy 0 (" +
                              n(sb.copy_sectors) + " sectors)"});
    }
    const auto pool_sectors = mul(sb.pool_blocks, sb.block_size / 512);
    const auto pool_end = pool_sectors ? add(sb.pool_offset, *pool_sectors) : std::nullopt;
    if (!pool_end || *pool_end > sb.copy_offset[1]) {
        faults.push_back({SuperblockField::pool_blocks,
                          "the pool (" + n(sb.pool_blocks) + " blocks from sector " +
                              n(sb.pool_offset) + ") runs into copy 1 at sector " +
                              n(sb.copy_offset[1])});
    }
    const auto copy1_end = add(sb.copy_offset[1], sb.copy_sectors);
    if (!copy1_end || *copy1_end > device_sectors) {
        faults.push_back({SuperblockField::copy_offset_1,
                          "copy 1 (sector " + n(sb.copy_offset[1]) + ", " + n(sb.copy_sectors) +
                              " sectors) ends beyond the device's " + n(device_sectors) +
                              " sectors (truncated image or smaller device?)"});
    }
    // The kernel refuses a product that overflows, as it refuses one too small.
    const auto slots = mul(sb.table_blocks, entries_per_block);
    if (!slots || *slots < sb.pool_blocks) {
        faults.push_back({SuperblockField::table_blocks,
                          n(sb.table_blocks) + " table blocks cannot describe " +
                              n(sb.pool_blocks) + " spare blocks"});
    }
    if (sb.table_used > sb.pool_blocks) {
        faults.push_back({SuperblockField::table_used, "table_used " + n(sb.table_used) +
                                                           " exceeds pool_blocks " +
                                                           n(sb.pool_blocks)});
    }
    if (sb.pool_blocks > u32_max) {
        faults.push_back({SuperblockField::pool_blocks,
                          "pool_blocks " + n(sb.pool_blocks) + " exceeds 2^32-1"});
    }
    // Placed so by remap_geometry_compute(); the kernel refuses anything else.
    if (sb.copy_sectors % block_sectors != 0) {
        faults.push_back({SuperblockField::copy_sectors, "copy_sectors " + n(sb.copy_sectors) +
                                                             " is not a multiple of 8 sectors"});
    }
    if (sb.copy_offset[1] % block_sectors != 0) {
        faults.push_back({SuperblockField::copy_offset_1, "copy_offset[1] " + n(sb.copy_offset[1]) +
                                                              " is not a multiple of 8 sectors"});
    }
    const std::uint64_t bs = sb.block_size / 512;
    if (bs != 0 && sb.pool_offset % bs != 0) {
        faults.push_back({SuperblockField::pool_offset,
                          "pool_offset " + n(sb.pool_offset) + " is not a multiple of the block (" +
                              n(bs) + " sectors)"});
    }
    return faults;
}

}  // namespace dmremap::metadata
