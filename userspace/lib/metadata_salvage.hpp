#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metadata_check.hpp"
#include "metadata_format.hpp"
#include "metadata_image.hpp"

// Recovers every remap that can be trusted from metadata the kernel
// refuses: entries from valid table blocks of either copy whatever their
// superblocks say, with a superblock rebuilt from the layout it must have.
namespace dmremap::metadata {

// Where a recovered entry was read.
struct RemapSource {
    std::vector<unsigned> copies;  // one copy, or both when their entries agree
    std::uint64_t table_block = 0;
    std::uint64_t seq = 0;  // the table block's seq
    bool crc_ok = true;     // false: both blocks' CRCs are bad, and the entry is the same in both
};

// "copy 0, table block 2 (seq 7)", "copies 0 and 1, table block 2 (seq 7, both CRCs bad, the
// entries agree)".
std::string describe(const RemapSource& source);

struct RecoveredEntry {
    std::uint64_t spare_block = 0;
    Entry entry;  // as the kernel writes it (normalized())
    RemapSource source;
};

// Something that could not be recovered: a remap, a table block, or a
// superblock field whose value had to be guessed.
struct Unrecovered {
    std::optional<unsigned> copy;
    std::optional<std::uint64_t> table_block;
    std::optional<std::uint64_t> spare_block;
    std::string reason;
};

struct SalvageResult {
    // The superblock to write (seq and nr_remaps included), or nullopt when
    // nothing can be salvaged.
    std::optional<Superblock> superblock;
    std::string refusal;                     // why not, when there is no superblock
    std::vector<std::string> superblock_notes;  // how the superblock was rebuilt
    std::vector<RecoveredEntry> entries;     // ascending spare block
    std::vector<Unrecovered> unrecovered;    // at most max_listed, then counted
    std::uint64_t unrecovered_count = 0;

    static constexpr std::size_t max_listed = 1000;

    bool possible() const noexcept { return superblock.has_value(); }
    // Everything survived: nothing unrecovered, no value guessed.
    bool complete() const noexcept { return unrecovered_count == 0; }
};

// Reads image, which report checked. Never writes.
SalvageResult salvage_metadata(MetadataImage& image, const CheckReport& report);

// Before a salvage is written back to a device of device_sectors that its
// layout does not fit (a spare that shrank): moves copy 1 to where the
// kernel looks for it, keeping the spare pool where it is; remaps whose
// spare block the move cuts off become unrecovered. Returns false (with
// result.refusal set and no superblock) when the pool would have to move.
bool fit_to_device(SalvageResult& result, std::uint64_t device_sectors);

}  // namespace dmremap::metadata
