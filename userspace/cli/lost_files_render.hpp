#pragma once

#include <ostream>

#include "fs_owners.hpp"
#include "render.hpp"

// `dmremap lost-files`: the files that own lost sectors.
namespace dmremap::cli {

// A block with lost sectors, as the list message and the probe found it.
struct LostBlock {
    std::uint64_t block = 0;
    std::uint64_t spare_block = 0;
    std::vector<std::string> flags;      // flag names, e.g. {"lost", "auto"}
    std::vector<std::uint64_t> sectors;  // its lost sectors (device sectors)
};

struct LostFilesReport {
    std::vector<LostBlock> blocks;
    LostOwners owners;  // empty when no sector is lost
};

Json lost_files_json(const DeviceId& id, const LostFilesReport& report);
// One line per file: `<path> (inode <n>): sectors <ranges>`, then the
// sectors no file owns.
void write_lost_files_text(std::ostream& out, const LostFilesReport& report);

// 1 2 3 7 -> "1-3,7" (ascending input).
std::string sector_ranges(const std::vector<std::uint64_t>& sectors);

// The names of a `list` reply's flag letters: M moving, L lost, A auto.

}  // namespace dmremap::cli
