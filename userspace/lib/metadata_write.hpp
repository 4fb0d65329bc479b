#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "metadata_format.hpp"
#include "metadata_image.hpp"

// Writes a whole metadata set: both copies, in the kernel's format.
namespace dmremap::metadata {

// The entries of table block index (0 .. used table blocks - 1).
using EntrySource = std::function<Entries(std::uint64_t index)>;

struct WriteRequest {
    // uuid, block_size, main_sectors, spare_sectors, the geometry,
    // table_used and format_time are written as given; the rest is filled in.
    Superblock base;
    std::uint64_t seq = 0;
    std::uint64_t commit_time = 0;
    // The copy written first. While it is written, the other is left as it
    // is: write first the copy that holds nothing worth keeping.
    unsigned first_copy = 1;
};

// For each copy in turn: its used table blocks, a flush, its superblock
// (nr_remaps counted from the entries), a flush; so a crash leaves at
// least one copy consistent when the one written last was. Returns the
// number of remaps written. Entries are written as given (encode them
// the way the kernel does first: see normalized()).
std::uint64_t write_metadata(MetadataImage& image, const WriteRequest& request,
                             const EntrySource& source);

// An entry as the kernel loads it and its encode_entry() would write it
// back: lost sectors only when LOST was set (cut to the block's sectors),
// and LOST set exactly when a sector is lost.
Entry normalized(const Entry& entry, std::uint32_t block_size) noexcept;

}  // namespace dmremap::metadata
