#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metadata_check.hpp"
#include "metadata_format.hpp"
#include "metadata_image.hpp"
#include "metadata_salvage.hpp"

// Rebuilds both metadata copies from what survives of them.
namespace dmremap::metadata {

struct RepairPlan {
    bool needed = false;    // the metadata is not clean with both copies ok
    bool possible = false;  // something consistent can be rebuilt
    std::string refusal;    // why not, when !possible
    // The copy taken whole, or nullopt for a merge block by block of two
    // copies of the same commit.
    std::optional<unsigned> source;
    std::vector<std::uint8_t> block_source;  // merge: the copy of each used table block
    Superblock base;                         // what gets written, before seq and nr_remaps
    std::uint64_t seq = 0;                   // the new sequence number
    std::uint64_t remaps = 0;                // the remaps written
    unsigned first_copy = 1;                 // written first: not the source
    std::vector<std::string> actions;        // what the repair fixes, for people
    // Written from what a salvage recovered instead of from a copy, when no
    // copy can be taken whole without dropping newer commits.
    std::optional<SalvageResult> salvage;
    // What the repair drops or had to guess: it is refused without force.
    std::vector<std::string> losses;

    bool lossy() const noexcept { return !losses.empty(); }
    // The byte ranges the repair writes: for --backup.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> written_areas() const;
};

// Decides from a check of image what a repair would write. Reads image.
RepairPlan plan_repair(MetadataImage& image, const CheckReport& report);

// Writes both copies as planned (plan.possible and plan.needed). Returns
// the number of remaps written. Throws OperationError on I/O errors.
std::uint64_t apply_repair(MetadataImage& image, const RepairPlan& plan, std::uint64_t now);

// Whether a table block passes the kernel's check_table_block() for a copy
// whose superblock is sb.
bool table_block_valid(const RawBlock& raw, unsigned copy, std::uint64_t index,
                       const Superblock& sb);

}  // namespace dmremap::metadata
