#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metadata_format.hpp"

// Where the two metadata copies and the spare pool sit on a spare device.
namespace dmremap::metadata {

struct Geometry {
    std::array<std::uint64_t, nr_copies> copy_offset{};  // sectors
    std::uint64_t copy_sectors = 0;
    std::uint64_t table_blocks = 0;
    std::uint64_t pool_offset = 0;  // sector of spare block 0
    std::uint64_t pool_blocks = 0;

    bool operator==(const Geometry&) const = default;
};

// Table blocks that hold slots [0, table_used): the only meaningful ones.
std::uint64_t used_table_blocks(std::uint64_t table_used) noexcept;

// The layout the kernel gives a spare of spare_sectors with block_size
// (remap_geometry_compute() in kernel/dm-remap-metadata.c); nullopt when the
// spare cannot hold both copies and one spare block. block_size must be a
// valid block size.
std::optional<Geometry> compute_geometry(std::uint64_t spare_sectors, std::uint32_t block_size);

Geometry geometry_of(const Superblock& sb) noexcept;
void set_geometry(Superblock& sb, const Geometry& geometry) noexcept;

// One way a superblock's layout does not fit a device.
struct GeometryFault {
    SuperblockField field;  // the field most to blame
    std::string reason;
};

// The kernel's geometry_fits() as a list of what fails, empty when the
// layout fits a device of device_sectors. As in the kernel, sums and
// products that overflow 64 bits count as not fitting, and copy_sectors,
// copy_offset[1] and pool_offset must be aligned as the format places them.
std::vector<GeometryFault> geometry_faults(const Superblock& sb, std::uint64_t device_sectors);

bool is_valid_block_size(std::uint64_t block_size) noexcept;

// main_sectors / sectors per block: the blocks a target of main_sectors has.
std::uint64_t main_blocks(const Superblock& sb) noexcept;

}  // namespace dmremap::metadata
