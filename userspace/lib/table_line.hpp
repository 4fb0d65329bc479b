#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dmremap {

// The target type dm-remap registers, and the name it also answers to for
// tables written for dm-remap v4.
inline constexpr std::string_view remap_target_type = "remap";
inline constexpr std::string_view remap_v4_target_type = "dm-remap-v4";

bool is_remap_target_type(std::string_view type);

inline constexpr std::uint32_t default_block_size = 4096;
inline constexpr std::uint32_t min_block_size = 512;
inline constexpr std::uint32_t max_block_size = 65536;
inline constexpr unsigned default_read_retries = 2;
inline constexpr unsigned max_read_retries = 16;
inline constexpr std::uint64_t sector_size = 512;

// The feature arguments of a remap table line.
struct TargetOptions {
    std::uint32_t block_size = default_block_size;  // bytes
    bool auto_remap = true;
    unsigned read_retries = default_read_retries;

    bool operator==(const TargetOptions&) const = default;
};

// Throws std::invalid_argument naming the option that is out of its range.
void validate(const TargetOptions& options);

// Whether block_size is a power of two from 512 to 65536.
bool is_valid_block_size(std::uint64_t block_size);

// The feature arguments that differ from the defaults, in the order
// block_size, no_auto_remap, read_retries.
std::vector<std::string> feature_args(const TargetOptions& options);

// `<main> <spare> [<n> <args>...]`: the params of a remap target.
std::string build_target_params(std::string_view main_dev, std::string_view spare_dev,
                                const TargetOptions& options);

// `0 <len> remap <main> <spare> [<n> <args>...]`: a whole table line, as
// `dmsetup create` reads it. length_sectors must be a non-zero multiple of
// the block size; throws std::invalid_argument otherwise.
std::string build_table_line(std::uint64_t length_sectors, std::string_view main_dev,
                             std::string_view spare_dev, const TargetOptions& options);

// The largest length, in sectors, that covers a device of device_bytes in
// whole blocks. Zero when the device is smaller than one block.
std::uint64_t usable_length_sectors(std::uint64_t device_bytes, std::uint32_t block_size);

// What `dmsetup table` prints for a remap target.
struct TableParams {
    std::string main_dev;   // major:minor
    std::string spare_dev;  // major:minor
    TargetOptions options;
    // Feature arguments this version does not know, verbatim.
    std::vector<std::string> unknown_args;

    bool operator==(const TableParams&) const = default;
};

// Parses `<maj:min> <maj:min> [<n> <args>...]`. Throws ParseError naming the
// argument that is missing or malformed.
TableParams parse_table_params(std::string_view params);

}  // namespace dmremap
