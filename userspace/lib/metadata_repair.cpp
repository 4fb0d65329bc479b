#include "metadata_repair.hpp"

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

RawBlock read_or_throw(MetadataImage& image, unsigned copy, std::uint64_t copy_sector,
                       std::uint64_t index)
{
    const BlockRead read = read_block(image, meta_block_offset(copy_sector, 1 + index));
    if (!read.ok()) {
        throw OperationError("read table block " + n(index) + " of copy " + n(copy) + " of",
                             image.name(),
                             read.status == BlockRead::Status::io_error
                                 ? errno_text(read.error_code)
                                 : "beyond the end of the device",
                             read.error_code);
    }
    return read.block;
}

// What the entries of a table to be written still lack: the counters that
// repair recomputes, and what it cannot decide.
struct TableSurvey {
    std::uint64_t remaps = 0;
    std::uint64_t highest_used_spare = 0;  // + 1
    std::uint64_t normalized = 0;          // entries whose lost flags get fixed
    std::uint64_t duplicates = 0;
    std::uint64_t outside_pool = 0;
    std::string first_problem;
};

template <typename BlockReader>
TableSurvey survey(const Superblock& sb, BlockReader&& read_entries)
{
    TableSurvey s;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> remaps;
    const std::uint64_t blocks = used_table_blocks(sb.table_used);
    for (std::uint64_t i = 0; i < blocks; ++i) {
        const Entries entries = read_entries(i);
        for (std::size_t k = 0; k < entries_per_block; ++k) {
            const Entry& e = entries[k];
            if (e.is_free())
                continue;
            const std::uint64_t spare = i * entries_per_block + k;
            remaps.emplace_back(e.block, spare);
            s.highest_used_spare = std::max(s.highest_used_spare, spare + 1);
            if (normalized(e, sb.block_size) != e)
                ++s.normalized;
            if (spare >= sb.pool_blocks && s.outside_pool++ == 0) {
                s.first_problem = "spare block " + n(spare) + " of block " + n(e.block) +
                                  " lies outside the " + n(sb.pool_blocks) + "-block pool";
            }
        }
    }
    s.remaps = remaps.size();
    std::sort(remaps.begin(), remaps.end());
    for (std::size_t i = 1; i < remaps.size(); ++i) {
        if (remaps[i].first == remaps[i - 1].first && s.duplicates++ == 0 &&
            s.first_problem.empty()) {
            s.first_problem = "block " + n(remaps[i].first) + " is remapped to both spare block " +
                              n(remaps[i - 1].second) + " and " + n(remaps[i].second);
        }
    }
    return s;
}

Entries decoded_entries(const RawBlock& raw)
{
    Entries entries;
    for (std::size_t k = 0; k < entries_per_block; ++k)
        entries[k] = decode_entry(raw, k);
    return entries;
}

std::string copy_status_action(const CopyReport& c, const CopyReport& source)
{
    switch (c.status) {
    case CopyStatus::ok: return "";
    case CopyStatus::stale:
        return "copy " + n(c.copy) + " was stale (seq " + n(c.superblock->seq) +
               "): brought up to date from copy " + n(source.copy);
    case CopyStatus::torn:
        return "copy " + n(c.copy) + " was torn by an interrupted commit: rebuilt from copy " +
               n(source.copy);
    case CopyStatus::damaged:
        return "copy " + n(c.copy) + " was damaged: rebuilt from copy " + n(source.copy);
    case CopyStatus::missing:
        return "copy " + n(c.copy) + " was missing: written from copy " + n(source.copy);
    }
    return "";
}

// Two copies of the same commit whose damage lies in different table
// blocks: take each block from a copy where it is good.
bool plan_merge(MetadataImage& image, const CheckReport& report, RepairPlan& plan)
{
    const CopyReport& c0 = report.copies[0];
    const CopyReport& c1 = report.copies[1];
    if (!c0.superblock_valid() || !c1.superblock_valid()) {
        plan.refusal = "no copy is consistent, and a block-by-block merge needs both superblocks "
                       "valid";
        return false;
    }
    const Superblock& a = *c0.superblock;
    const Superblock& b = *c1.superblock;
    if (a.seq != b.seq) {
        plan.refusal = "no copy is consistent, and the copies hold different commits (seq " +
                       n(a.seq) + " and " + n(b.seq) + "), so they cannot be merged";
        return false;
    }
    if (geometry_of(a) != geometry_of(b) || a.block_size != b.block_size ||
        a.main_sectors != b.main_sectors || a.table_used != b.table_used) {
        plan.refusal = "no copy is consistent, and the two superblocks of seq " + n(a.seq) +
                       " disagree on the layout or table_used, so they cannot be merged";
        return false;
    }
    const std::uint64_t blocks = used_table_blocks(a.table_used);
    plan.block_source.assign(blocks, 0);
    std::uint64_t from_copy1 = 0;
    for (std::uint64_t i = 0; i < blocks; ++i) {
        const BlockRead r0 = read_block(image, meta_block_offset(*c0.sector, 1 + i));
        if (r0.ok() && table_block_valid(r0.block, 0, i, a))
            continue;
        const BlockRead r1 = read_block(image, meta_block_offset(*c1.sector, 1 + i));
        if (!(r1.ok() && table_block_valid(r1.block, 1, i, b))) {
            plan.refusal = "no copy is consistent, and table block " + n(i) +
                           " is damaged in both copies";
            plan.block_source.clear();
            return false;
        }
        plan.block_source[i] = 1;
        ++from_copy1;
    }
    plan.base = a;
    plan.actions.push_back("both copies hold seq " + n(a.seq) +
                           " and each damaged table block is good in the other copy: merged (" +
                           n(from_copy1) + " of " + n(blocks) + " table blocks from copy 1)");
    return true;
}

}  // namespace

bool table_block_valid(const RawBlock& raw, unsigned copy, std::uint64_t index,
                       const Superblock& sb)
{
    const TableBlock t = decode_table_block(raw);
    if (t.header.magic != table_magic || t.header.crc != computed_crc(raw) ||
        t.header.index != index || t.header.copy != copy || t.header.seq > sb.seq)
        return false;
    const std::uint64_t target_blocks = main_blocks(sb);
    return std::none_of(t.entries.begin(), t.entries.end(), [&](const Entry& e) {
        return kernel_entry_fault(e, target_blocks, sb.block_size).has_value();
    });
}

namespace {

// The newest consistent copy the kernel could load, then an older one,
// skipping those whose table the kernel refuses. unusable says why.
std::optional<unsigned> choose_source(const CheckReport& report, std::string& unusable)
{
    std::vector<unsigned> candidates;
    if (report.chosen)
        candidates.push_back(*report.chosen);
    for (const CopyReport& c : report.copies)
        if (c.consistent && (!report.chosen || c.copy != *report.chosen))
            candidates.push_back(c.copy);
    for (const unsigned candidate : candidates) {
        const CopyReport& c = report.copies[candidate];
        if (c.duplicate_blocks == 0 && c.outside_pool == 0)
            return candidate;
        unusable += (unusable.empty() ? "" : "; ") + std::string("copy ") + n(candidate) +
                    " (seq " + n(c.superblock->seq) + ") is consistent but its table maps " +
                    (c.duplicate_blocks ? "a block twice" : "a block outside the pool");
    }
    return std::nullopt;
}

void plan_from_copy(const CheckReport& report, RepairPlan& plan, const std::string& unusable)
{
    const CopyReport& source = report.copies[*plan.source];
    const CopyReport& other = report.copies[1 - *plan.source];
    plan.base = *source.superblock;
    plan.first_copy = other.copy;
    if (!unusable.empty()) {
        plan.actions.push_back(unusable + ": falling back to copy " + n(source.copy) + " (seq " +
                               n(source.superblock->seq) + "); remaps committed after it are lost");
    }
    plan.actions.push_back("copy " + n(source.copy) + " (seq " + n(source.superblock->seq) +
                           ") is the newest usable consistent copy: both copies are written "
                           "from it");
    const std::string other_action = copy_status_action(other, source);
    if (!other_action.empty())
        plan.actions.push_back(other_action);
    // A valid superblock newer than the source: its commits would go.
    for (const CopyReport& c : report.copies) {
        if (c.superblock_valid() && c.superblock->seq > source.superblock->seq) {
            plan.losses.push_back("copy " + n(c.copy) + " holds seq " + n(c.superblock->seq) +
                                  ", newer than copy " + n(source.copy) + "'s " +
                                  n(source.superblock->seq) + ": its later commits are dropped");
        }
    }
}

// What the written table will hold, and what gets corrected on the way.
// False when the table is unusable.
bool survey_table(MetadataImage& image, const CheckReport& report, RepairPlan& plan)
{
    const Superblock& sb = plan.base;
    const TableSurvey s = survey(sb, [&](std::uint64_t i) {
        const unsigned copy = plan.source ? *plan.source : plan.block_source[i];
        return decoded_entries(read_or_throw(image, copy, *report.copies[copy].sector, i));
    });
    if (s.duplicates != 0 || s.outside_pool != 0) {
        plan.refusal = "the merged table is unusable: " + s.first_problem +
                       " (fix a dump by hand and restore it)";
        plan.actions.clear();
        return false;
    }
    if (s.highest_used_spare > plan.base.table_used) {
        plan.actions.push_back("table_used raised from " + n(plan.base.table_used) + " to " +
                               n(s.highest_used_spare) + " to cover the spare blocks in use");
        plan.base.table_used = s.highest_used_spare;
    }
    for (const CopyReport& c : report.copies) {
        if (c.superblock_valid() && c.superblock->seq == sb.seq && c.superblock->nr_remaps != s.remaps) {
            plan.actions.push_back("nr_remaps of copy " + n(c.copy) + " corrected from " +
                                   n(c.superblock->nr_remaps) + " to " + n(s.remaps));
        }
    }
    if (s.normalized != 0) {
        plan.actions.push_back(n(s.normalized) +
                               " entries: LOST flag and lost sectors made to agree");
    }
    plan.remaps = s.remaps;
    return true;
}

// A copy taken whole, or two copies of one commit merged block by block.
bool plan_from_copies(MetadataImage& image, const CheckReport& report, RepairPlan& plan)
{
    std::string unusable;
    plan.source = choose_source(report, unusable);
    if (plan.source) {
        plan_from_copy(report, plan, unusable);
    } else if (!unusable.empty()) {
        plan.refusal = unusable + ", and no other copy is consistent";
        return false;
    } else if (!plan_merge(image, report, plan)) {
        return false;
    }
    return survey_table(image, report, plan);
}

void plan_from_salvage(const CheckReport& report, RepairPlan& plan, SalvageResult salvage)
{
    plan.source.reset();
    plan.block_source.clear();
    plan.actions.clear();
    plan.losses.clear();
    plan.refusal.clear();
    plan.base = *salvage.superblock;
    plan.remaps = salvage.entries.size();
    // Write first the copy with nothing the kernel could load.
    plan.first_copy = report.copies[1].superblock_valid() && !report.copies[0].superblock_valid() ? 0 : 1;
    plan.actions.push_back("no copy can be taken whole: salvaged " + n(salvage.entries.size()) +
                           " remaps from the table blocks of both copies");
    for (const std::string& note : salvage.superblock_notes)
        plan.actions.push_back("superblock: " + note);
    for (const Unrecovered& u : salvage.unrecovered)
        plan.losses.push_back(u.reason);
    if (salvage.unrecovered_count > salvage.unrecovered.size()) {
        plan.losses.push_back(n(salvage.unrecovered_count - salvage.unrecovered.size()) +
                              " more not listed");
    }
    plan.salvage = std::move(salvage);
}

// Salvage when the copies give nothing, or only by dropping commits.
void consider_salvage(MetadataImage& image, const CheckReport& report, RepairPlan& plan,
                      bool copies_usable)
{
    SalvageResult salvage = salvage_metadata(image, report);
    if (salvage.possible())
        fit_to_device(salvage, report.size_bytes / 512);
    if (!salvage.possible()) {
        if (!copies_usable)
            plan.refusal += (plan.refusal.empty() ? "" : "; ") + std::string("salvage: ") + salvage.refusal;
        return;
    }
    // A copy's plan that drops commits stands unless the salvage loses nothing.
    if (copies_usable && !salvage.complete())
        return;
    plan_from_salvage(report, plan, std::move(salvage));
}

}  // namespace

RepairPlan plan_repair(MetadataImage& image, const CheckReport& report)
{
    RepairPlan plan;
    plan.needed = report.damaged() ||
                  std::any_of(report.copies.begin(), report.copies.end(),
                              [](const CopyReport& c) { return c.status != CopyStatus::ok; });
    if (!plan.needed) {
        plan.possible = true;
        return plan;
    }
    if (report.newer_format) {
        plan.refusal = "the metadata was written by a newer dm-remap: upgrade dmremap";
        return plan;
    }
    if (report.no_metadata || (!report.copies[0].superblock && !report.copies[1].superblock)) {
        plan.refusal = "no dm-remap superblock on the device: nothing to rebuild from";
        return plan;
    }
    if (report.uuid_conflict) {
        plan.refusal = "the copies belong to two different metadata sets: restore the right one "
                       "from a dump";
        return plan;
    }

    const bool copies_usable = plan_from_copies(image, report, plan);
    if (!copies_usable || plan.lossy())
        consider_salvage(image, report, plan, copies_usable);
    if (!copies_usable && !plan.salvage)
        return plan;

    // The kernel refuses a superblock whose seq is above max_seq.
    if (std::max(report.newest_seq(), plan.base.seq) >= max_seq) {
        plan.refusal = "the sequence numbers on the device are exhausted (the kernel refuses a "
                       "seq above 2^63-1)";
        plan.actions.clear();
        return plan;
    }
    plan.seq = std::max(report.newest_seq(), plan.base.seq) + 1;
    plan.actions.push_back("both copies written with seq " + n(plan.seq) + ", " + n(plan.remaps) +
                           " remaps");
    plan.possible = true;
    return plan;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> RepairPlan::written_areas() const
{
    std::vector<std::pair<std::uint64_t, std::uint64_t>> areas;
    const std::uint64_t blocks = used_table_blocks(base.table_used);
    for (const std::uint64_t sector : base.copy_offset)
        areas.emplace_back(meta_block_offset(sector, 0), (1 + blocks) * block_bytes);
    return areas;
}

std::uint64_t apply_repair(MetadataImage& image, const RepairPlan& plan, std::uint64_t now)
{
    if (!plan.possible || !plan.needed)
        throw std::logic_error("apply_repair without a repair to make");
    // The sectors the copies were read at; the source is never written
    // before the other copy is complete.
    const std::array<std::uint64_t, nr_copies> sectors = plan.base.copy_offset;
    WriteRequest request;
    request.base = plan.base;
    request.seq = plan.seq;
    request.commit_time = now;
    request.first_copy = plan.first_copy;
    const std::uint32_t block_size = plan.base.block_size;
    if (plan.salvage) {
        const std::vector<RecoveredEntry>& recovered = plan.salvage->entries;
        return write_metadata(image, request, [&](std::uint64_t i) {
            Entries entries;
            const auto first = std::lower_bound(
                recovered.begin(), recovered.end(), i * entries_per_block,
                [](const RecoveredEntry& e, std::uint64_t spare) { return e.spare_block < spare; });
            for (auto e = first; e != recovered.end() && e->spare_block / entries_per_block == i; ++e)
                entries[e->spare_block % entries_per_block] = e->entry;
            return entries;
        });
    }
    return write_metadata(image, request, [&](std::uint64_t i) {
        const unsigned copy = plan.source ? *plan.source : plan.block_source[i];
        Entries entries = decoded_entries(read_or_throw(image, copy, sectors[copy], i));
        for (Entry& e : entries)
            e = normalized(e, block_size);
        return entries;
    });
}

}  // namespace dmremap::metadata
