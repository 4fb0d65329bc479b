#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <utility>
#include <vector>

#include "metadata_image.hpp"

// The metadata areas a repair is about to overwrite, saved to a file so
// that `dmremap metadata restore` can put them back byte for byte.
//
// The file: a line "dm-remap metadata backup 1", a line
// "device_bytes <n>", then for each saved run of bytes a line
// "area <offset> <length> <crc32c>" followed by those bytes and a newline,
// and a last line "end". Blocks that could not be read are not saved.
namespace dmremap::metadata {

inline constexpr std::string_view backup_header = "dm-remap metadata backup 1";

struct BackupArea {
    std::uint64_t offset = 0;
    std::vector<std::uint8_t> bytes;
};

struct Backup {
    std::uint64_t device_bytes = 0;
    std::vector<BackupArea> areas;
};

// Reads the byte ranges (offset, length) of image, 4096-byte block by
// block; a block that cannot be read, or lies beyond the end, is left out
// and counted in unreadable.
Backup read_backup(MetadataImage& image,
                   const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                   std::uint64_t& unreadable);

void write_backup(std::ostream& out, const Backup& backup);

// Whether in holds a backup rather than a JSON dump, by its first
// character (nothing is consumed).
bool is_backup(std::istream& in);

// Throws ParseError naming what is wrong (a bad CRC, a cut-off file...).
Backup parse_backup(std::istream& in);

// Writes every area back and flushes. Throws OperationError, and
// ParseError when an area lies beyond the end of image.
void restore_backup(MetadataImage& image, const Backup& backup);

}  // namespace dmremap::metadata
