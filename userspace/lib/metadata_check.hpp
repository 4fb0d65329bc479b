#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "metadata_format.hpp"
#include "metadata_image.hpp"

// The offline check of a spare device's metadata: which copies are
// consistent by the kernel's rules (kernel/dm-remap-metadata.c), which one
// the kernel would load, and every problem found, located.
namespace dmremap::metadata {

enum class Severity {
    note,    // worth knowing; the kernel copes (a torn or stale copy it rewrites)
    damage,  // the metadata is damaged: check fails
};

struct Problem {
    Severity severity = Severity::damage;
    std::optional<unsigned> copy;
    // The metadata block within its copy: 0 the superblock, 1 + i table block i.
    std::optional<std::uint64_t> meta_block;
    // Byte offset on the device of the field (or of the block without one).
    std::optional<std::uint64_t> offset;
    std::string field;  // "crc", "entries[3].block"..., or empty
    std::string message;
};

enum class SuperblockStatus {
    valid,       // passes the kernel's check_superblock()
    absent,      // no superblock magic there (zeros, or other data)
    damaged,     // the magic, but a bad CRC or field
    unreadable,  // read error
    beyond_end,  // the device ends before it
    not_located, // nowhere to look (copy 1 when copy 0 is invalid and no layout fits)
};

enum class CopyStatus {
    ok,       // consistent, and as new as the newest consistent copy
    stale,    // consistent but older: a commit did not reach it
    torn,     // inconsistent only through table blocks newer than its superblock
    damaged,  // unreadable, bad CRC or fields, or another metadata set
    missing,  // no superblock where it belongs
};

std::string_view to_string(SuperblockStatus status) noexcept;
std::string_view to_string(CopyStatus status) noexcept;
std::string_view to_string(Severity severity) noexcept;

struct CopyReport {
    unsigned copy = 0;
    std::optional<std::uint64_t> sector;  // where its superblock was read
    std::vector<std::uint64_t> searched;  // copy 1: the sectors looked at
    SuperblockStatus superblock_status = SuperblockStatus::not_located;
    std::optional<Superblock> superblock;  // decoded when the magic matched
    bool crc_ok = false;                   // the superblock's CRC matched
    bool blank = false;                    // its block reads as zeros
    bool consistent = false;               // valid superblock, every used table block valid
    std::vector<std::uint64_t> damaged_blocks;  // table block indexes
    std::vector<std::uint64_t> torn_blocks;     // valid but newer than the superblock
    std::vector<std::uint64_t> torn_seqs;       // the seq of each of those
    std::uint64_t newest_seq = 0;  // highest seq in a block of this copy with a good CRC
    std::uint64_t remaps = 0;      // entries in use (when consistent)
    std::uint64_t highest_used_spare = 0;  // + 1; 0 when none is used
    std::uint64_t duplicate_blocks = 0;    // blocks mapped more than once
    std::uint64_t outside_pool = 0;        // entries in use at spare >= pool_blocks
    CopyStatus status = CopyStatus::missing;
    bool found_by_scan = false;  // copy 1 found only by scanning the whole device
    // A valid superblock whose layout differs from the one the kernel adopts
    // (the other copy's): the kernel does not use this copy.
    bool layout_differs = false;

    bool superblock_valid() const noexcept { return superblock_status == SuperblockStatus::valid; }
};

// dm-remap metadata blocks found anywhere on a device, 4096-byte aligned
// (each list holds at most 64 sectors).
struct MetadataScan {
    std::vector<std::uint64_t> superblock_sectors;  // superblock magic
    std::vector<std::uint64_t> table_sectors;       // table blocks with a good CRC
    std::vector<std::uint64_t> copy1_sectors;       // where a copy 1 starts, by either
    std::uint64_t read_errors = 0;                  // 1 MiB chunks that could not be read

    bool empty() const noexcept { return superblock_sectors.empty() && table_sectors.empty(); }
};

// Reads the whole device.
MetadataScan scan_for_metadata(MetadataImage& image);

// What the kernel makes of the metadata at table load and first resume
// (remap_metadata_open(), remap_metadata_load()): loads it with both copies
// usable and of one commit (metadata_state ok), loads one copy and rewrites
// the other at its next commit (degraded), or refuses the spare.
enum class LoadVerdict { ok, degraded, refused };

std::string_view to_string(LoadVerdict verdict) noexcept;

struct CheckReport {
    std::string device;
    std::uint64_t size_bytes = 0;
    std::array<CopyReport, nr_copies> copies{};
    std::optional<unsigned> chosen;  // the copy the kernel would load
    bool blank = false;              // no metadata anywhere, and the first 4 KiB are zero
    bool no_metadata = false;        // no dm-remap metadata block anywhere (blank, or other data)
    bool newer_format = false;       // a superblock of a format newer than this tool's
    std::uint64_t read_errors = 0;   // metadata blocks (or scanned chunks) that could not be read
    std::optional<MetadataScan> scan;  // when copy 1 was looked for over the whole device
    // On a spare with other data: what it holds, as libblkid names it
    // (probe_content()); filled in by callers that know the path.
    std::optional<std::string> foreign;
    bool uuid_conflict = false;      // two valid superblocks of different metadata sets
    std::vector<Problem> problems;   // at most max_listed_problems
    std::uint64_t damage_count = 0;
    std::uint64_t note_count = 0;

    static constexpr std::size_t max_listed_problems = 1000;

    bool damaged() const noexcept { return damage_count > 0; }
    LoadVerdict load_verdict() const noexcept;
    // No damage, but the kernel would load the spare degraded.
    bool degraded() const noexcept { return !damaged() && load_verdict() == LoadVerdict::degraded; }
    std::uint64_t problems_omitted() const noexcept
    {
        return damage_count + note_count - problems.size();
    }
    const CopyReport* chosen_copy() const noexcept { return chosen ? &copies[*chosen] : nullptr; }
    // The highest sequence number in any block with a good CRC.
    std::uint64_t newest_seq() const noexcept;
};

CheckReport check_metadata(MetadataImage& image);

// What the kernel's check_superblock() finds wrong with a superblock whose
// magic matched, found where copy `copy` belongs on a device of
// device_sectors; empty when it is valid. A bad CRC is the only fault
// reported then (the other fields cannot be trusted).
struct SuperblockFault {
    SuperblockField field;
    std::string reason;
};
std::vector<SuperblockFault> superblock_faults(const RawBlock& raw, unsigned copy,
                                               std::uint64_t device_sectors);
// The same for a superblock that is not on a device yet (no CRC to check).
std::vector<SuperblockFault> superblock_field_faults(const Superblock& sb, unsigned copy,
                                                     std::uint64_t device_sectors);

// Why the kernel would refuse one table entry (entry_valid()), or nullopt.
// main_blocks is the target's length in blocks, block_size its block size
// in bytes (lost bits at or beyond its sectors are refused).
struct EntryFault {
    EntryField field;
    std::string reason;
};
std::optional<EntryFault> kernel_entry_fault(const Entry& entry, std::uint64_t main_blocks,
                                             std::uint32_t block_size);

// The byte offset of metadata block meta_block (0 the superblock) of the
// copy whose superblock is at copy_sector.
inline std::uint64_t meta_block_offset(std::uint64_t copy_sector, std::uint64_t meta_block)
{
    return (copy_sector + meta_block * block_sectors) * 512;
}

// Calls fn(spare_block, entry) for every entry in use in the table of a
// copy with a valid superblock, in spare block order. Throws OperationError
// when a block cannot be read.
void for_each_remap(MetadataImage& image, const CopyReport& copy,
                    const std::function<void(std::uint64_t, const Entry&)>& fn);

}  // namespace dmremap::metadata
