#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "metadata_check.hpp"
#include "metadata_format.hpp"
#include "metadata_salvage.hpp"

// The JSON form of a metadata set, as `dmremap metadata dump` writes it
// and `dmremap metadata restore` reads it:
//
//   {"format": "dm-remap-metadata", "format_version": 1,
//    "source": path, "size_bytes": n, "chosen_copy": 0 or 1,
//    "superblock": {fields of the chosen copy},
//    "copies": [{"copy", "sector", "status", "superblock": {...} or null}, ...],
//    "remaps": [{"block", "spare_block", "flags": ["lost", "auto"], "lost": [sectors]}, ...]}
//
// A salvage dump has "chosen_copy": null, the rebuilt superblock, a
// "salvage" object ({"superblock": [how it was rebuilt], "unrecovered_count",
// "unrecovered": [{"copy", "table_block", "spare_block", "reason"}]}) before
// the remaps, and a "source" in each remap ({"copies": [..], "table_block",
// "seq", "crc_ok"}).
//
// restore reads "format", "format_version", "superblock" and "remaps"; the
// other keys are for people and are ignored.
namespace dmremap::metadata {

inline constexpr std::string_view dump_format = "dm-remap-metadata";
inline constexpr unsigned dump_format_version = 1;

// Writes a dump as the remaps come, so that a large table is never held
// in memory: construct (writes everything before the remaps), add() each
// remap in spare block order, finish() once.
class DumpWriter {
public:
    // The report must have a chosen copy.
    DumpWriter(std::ostream& out, const CheckReport& report);
    // A salvage dump; salvage must be possible().
    DumpWriter(std::ostream& out, const CheckReport& report, const SalvageResult& salvage);

    void add(std::uint64_t spare_block, const Entry& entry, const RemapSource* source = nullptr);
    void finish();

private:
    void begin(const CheckReport& report, const Superblock& superblock, std::optional<unsigned> chosen,
               const SalvageResult* salvage);

    std::ostream& out_;
    bool first_ = true;
    std::uint32_t block_size_ = 0;
};

// The entry's flags by name ("lost", "auto"; unknown bits as "0x..").
std::vector<std::string> flag_names(std::uint32_t flags);
// The sectors (0-based, within the block) the lost bitmap marks.
std::vector<unsigned> lost_sectors(const Entry& entry);

// A dump read back: the superblock to write (its copy, crc, magic,
// version and commit_time are not taken from the dump) and the remaps by
// spare block.
struct Dump {
    Superblock superblock;
    std::vector<std::pair<std::uint64_t, Entry>> remaps;  // ascending spare block
};

// Reads and checks a dump as a whole: its shape, every field, and that it
// describes a metadata set the kernel would load (layout, entries valid,
// no block or spare block twice, LOST flag and lost sectors agreeing,
// nr_remaps, table_used). Throws ParseError naming the field.
Dump parse_dump(std::istream& in);

// Throws ParseError when the dump's layout does not fit a device of
// device_sectors.
void check_dump_fits(const Dump& dump, std::uint64_t device_sectors);

}  // namespace dmremap::metadata
