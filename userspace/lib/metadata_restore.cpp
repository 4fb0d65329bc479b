#include "metadata_restore.hpp"

#include <algorithm>

#include "error.hpp"
#include "metadata_geometry.hpp"
#include "metadata_write.hpp"

namespace dmremap::metadata {

namespace {

std::string n(std::uint64_t value)
{
    return std::to_string(value);
}

// A superblock with a good CRC at sector, if there is one.
std::optional<Superblock> good_superblock_at(MetadataImage& image, std::uint64_t sector)
{
    const BlockRead read = read_block_at_sector(image, sector);
    if (!read.ok() || magic_of(read.block) != superblock_magic ||
        stored_crc(read.block) != computed_crc(read.block))
        return std::nullopt;
    return decode_superblock(read.block);
}

}  // namespace

std::optional<std::string> restore_refusal(MetadataImage& image, const CheckReport& report,
                                           const Dump& dump)
{
    const Uuid& ours = dump.superblock.uuid;
    const std::string our_uuid = uuid_to_string(ours);
    bool copy_of_ours = false;
    for (const CopyReport& c : report.copies) {
        if (!c.superblock || !c.crc_ok)
            continue;
        if (c.superblock->uuid != ours) {
            return "it holds another dm-remap metadata set (copy " + n(c.copy) + " has uuid " +
                   uuid_to_string(c.superblock->uuid) + ", the dump " + our_uuid + ")";
        }
        copy_of_ours = true;
    }
    // Where the dump puts copy 1 may differ from where the check looked.
    if (const auto sb = good_superblock_at(image, dump.superblock.copy_offset[1])) {
        if (sb->uuid != ours) {
            return "it holds another dm-remap metadata set (a superblock at sector " +
                   n(dump.superblock.copy_offset[1]) + " has uuid " + uuid_to_string(sb->uuid) +
                   ", the dump " + our_uuid + ")";
        }
        copy_of_ours = true;
    }

    const BlockRead first = read_block(image, 0);
    if (first.status == BlockRead::Status::io_error)
        return "its first 4 KiB cannot be read: " + errno_text(first.error_code);
    if (!first.ok() || is_zero(first.block))
        return std::nullopt;
    if (magic_of(first.block) == superblock_magic) {
        // Damaged metadata: ours if the uuid survived.
        const Superblock sb = decode_superblock(first.block);
        if (sb.uuid == ours || copy_of_ours)
            return std::nullopt;
        return "its first 4 KiB hold a damaged dm-remap superblock of uuid " +
               uuid_to_string(sb.uuid) + ", not the dump's " + our_uuid;
    }
    if (copy_of_ours)
        return std::nullopt;  // copy 0 destroyed, copy 1 says the device is ours
    return std::string("its first 4 KiB hold data that is not dm-remap metadata");
}

RestoreResult restore_metadata(MetadataImage& image, const Dump& dump, bool force,
                               std::uint64_t now)
{
    check_dump_fits(dump, image.size_sectors());
    const CheckReport report = check_metadata(image);
    RestoreResult result;
    if (const auto refusal = restore_refusal(image, report, dump)) {
        if (!force) {
            throw OperationError("restore metadata to", image.name(),
                                 "refusing to overwrite it: " + *refusal + " (--force overwrites)");
        }
        result.warnings.push_back("overwriting: " + *refusal);
    }

    std::uint64_t newest = std::max(report.newest_seq(), dump.superblock.seq);
    if (const auto sb = good_superblock_at(image, dump.superblock.copy_offset[1]))
        newest = std::max(newest, sb->seq);
    // The kernel refuses a superblock whose seq is above max_seq.
    if (newest >= max_seq) {
        throw OperationError("restore metadata to", image.name(),
                             "the sequence numbers on the device are exhausted (the kernel "
                             "refuses a seq above 2^63-1)");
    }
    if (const CopyReport* chosen = report.chosen_copy();
        chosen && chosen->superblock->uuid == dump.superblock.uuid &&
        chosen->superblock->seq > dump.superblock.seq) {
        result.warnings.push_back("the device held newer metadata of this set (seq " +
                                  n(chosen->superblock->seq) + ", the dump has seq " +
                                  n(dump.superblock.seq) + "): changes made since the dump are "
                                  "gone");
    }
    if (dump.superblock.spare_sectors != image.size_sectors()) {
        result.warnings.push_back(
            "the dump was made for a spare of " + n(dump.superblock.spare_sectors) +
            " sectors, this one has " + n(image.size_sectors()) +
            ": the layout is kept, but if copy 0 is ever lost the kernel looks for copy 1 "
            "where this size puts it");
    }

    WriteRequest request;
    request.base = dump.superblock;
    request.seq = newest + 1;
    request.commit_time = now;
    request.first_copy = 1;  // copy 0 last, as format() does
    const auto& remaps = dump.remaps;
    result.remaps = write_metadata(image, request, [&](std::uint64_t index) {
        Entries entries;
        const std::uint64_t first = index * entries_per_block;
        auto it = std::lower_bound(remaps.begin(), remaps.end(), first,
                                   [](const auto& remap, std::uint64_t spare) {
                                       return remap.first < spare;
                                   });
        for (; it != remaps.end() && it->first < first + entries_per_block; ++it)
            entries[it->first - first] = it->second;
        return entries;
    });
    result.seq = request.seq;
    return result;
}

}  // namespace dmremap::metadata
