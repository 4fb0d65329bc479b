#include "metadata_write.hpp"

#include <stdexcept>

#include "metadata_check.hpp"
#include "metadata_geometry.hpp"

namespace dmremap::metadata {

Entry normalized(const Entry& entry, std::uint32_t block_size) noexcept
{
    Entry e;
    e.block = entry.block;
    if (entry.is_free())
        return e;
    // The kernel reads lost[] only when LOST is set: without it the block
    // loads as not lost.
    const auto mask = lost_mask(block_size);
    if ((entry.flags & flag_lost) != 0)
        for (std::size_t w = 0; w < lost_words; ++w)
            e.lost[w] = entry.lost[w] & mask[w];
    e.flags = entry.flags & known_flags & ~flag_lost;
    if (e.has_lost_sectors())
        e.flags |= flag_lost;
    return e;
}

std::uint64_t write_metadata(MetadataImage& image, const WriteRequest& request,
                             const EntrySource& source)
{
    const std::uint64_t blocks = used_table_blocks(request.base.table_used);
    std::uint64_t remaps = 0;
    bool counted = false;
    for (const unsigned copy : {request.first_copy, 1 - request.first_copy}) {
        const std::uint64_t copy_sector = request.base.copy_offset[copy];
        std::uint64_t in_copy = 0;
        for (std::uint64_t i = 0; i < blocks; ++i) {
            TableBlock table;
            table.entries = source(i);
            table.header.magic = table_magic;
            table.header.seq = request.seq;
            table.header.index = i;
            table.header.copy = copy;
            for (const Entry& e : table.entries)
                in_copy += !e.is_free();
            RawBlock raw = encode_table_block(table);
            seal(raw);
            image.write(meta_block_offset(copy_sector, 1 + i), raw);
        }
        if (counted && in_copy != remaps)
            throw std::logic_error("the entries changed between the two copies");
        remaps = in_copy;
        counted = true;
        image.flush();

        Superblock sb = request.base;
        sb.magic = superblock_magic;
        sb.version = format_version;
        sb.copy = copy;
        sb.seq = request.seq;
        sb.meta_block_size = block_bytes;
        sb.nr_remaps = remaps;
        sb.commit_time = request.commit_time;
        sb.crc = 0;
        RawBlock raw = encode_superblock(sb);
        seal(raw);
        image.write(meta_block_offset(copy_sector, 0), raw);
        image.flush();
    }
    return remaps;
}

}  // namespace dmremap::metadata
