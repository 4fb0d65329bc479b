#include "metadata_salvage.hpp"

#include <algorithm>
#include <map>

#include "metadata_geometry.hpp"
#include "metadata_write.hpp"
#include "number_list.hpp"

namespace dmremap::metadata {

namespace {

std::string n(std::uint64_t value)
{
    return std::to_string(value);
}

// A superblock with the magic, as check found it.
struct Candidate {
    unsigned copy = 0;
    Superblock sb;
    bool valid = false;
    bool crc_ok = false;
};

// One copy's version of a table block.
struct View {
    enum class Kind { valid, crc_bad, absent, unreadable };
    Kind kind = Kind::absent;
    TableBlock table;

    bool has_header() const noexcept { return kind == Kind::valid || kind == Kind::crc_bad; }
    std::uint64_t seq() const noexcept { return table.header.seq; }
};

// The candidate values of a field, most trusted first, without repeats.
template <typename T>
std::vector<T> distinct(std::initializer_list<T> values)
{
    std::vector<T> out;
    for (const T& v : values)
        if (std::find(out.begin(), out.end(), v) == out.end())
            out.push_back(v);
    return out;
}

// How many of a superblock's layout fields a computed layout matches.
int layout_matches(const Superblock& sb, std::uint64_t spare_sectors, std::uint32_t block_size,
                   const Geometry& g)
{
    const Geometry stored = geometry_of(sb);
    return (sb.spare_sectors == spare_sectors) + (sb.block_size == block_size) +
           (stored.copy_offset[1] == g.copy_offset[1]) + (stored.copy_sectors == g.copy_sectors) +
           (stored.table_blocks == g.table_blocks) + (stored.pool_offset == g.pool_offset) +
           (stored.pool_blocks == g.pool_blocks);
}

class Salvager {
public:
    Salvager(MetadataImage& image, const CheckReport& report) : image_(image), report_(report) {}

    SalvageResult run()
    {
        if (!rebuild_superblock())
            return std::move(result_);
        scan_tables();
        resolve_duplicates();
        finish_superblock();
        return std::move(result_);
    }

private:
    void unrecovered(std::optional<unsigned> copy, std::optional<std::uint64_t> table_block,
                     std::optional<std::uint64_t> spare_block, std::string reason)
    {
        ++result_.unrecovered_count;
        if (result_.unrecovered.size() < SalvageResult::max_listed)
            result_.unrecovered.push_back({copy, table_block, spare_block, std::move(reason)});
    }

    std::vector<Candidate> candidates() const
    {
        std::vector<Candidate> found;
        for (const CopyReport& c : report_.copies)
            if (c.superblock)
                found.push_back({c.copy, *c.superblock, c.superblock_valid(), c.crc_ok});
        return found;
    }

    bool refuse(std::string why)
    {
        result_.refusal = std::move(why);
        return false;
    }

    bool rebuild_superblock()
    {
        const std::vector<Candidate> found = candidates();
        if (found.empty())
            return refuse("no dm-remap superblock on the device, so its block size and sizes are "
                          "unknown");
        if (report_.newer_format)
            return refuse("the metadata was written by a newer dm-remap: upgrade dmremap");
        if (report_.uuid_conflict)
            return refuse("the copies belong to two different metadata sets: restore the right "
                          "one from a dump");
        const Candidate* best = nullptr;
        for (const Candidate& c : found)
            if (c.valid && (!best || c.sb.seq > best->sb.seq))
                best = &c;
        if (best) {
            base_ = best->sb;
            result_.superblock_notes.push_back("superblock of copy " + n(best->copy) +
                                               " (valid, seq " + n(best->sb.seq) + ")");
            main_candidates_ = {base_.main_sectors};
            used_candidates_ = {base_.table_used};
        } else if (!merge_damaged(found)) {
            return false;
        }
        read_sector_ = base_.copy_offset;
        seq_ = base_.seq;
        return true;
    }

    // The layout that the damaged superblocks and the copy 1 found agree on
    // best, computed as the kernel does.
    bool choose_layout(const std::vector<Candidate>& found)
    {
        std::vector<std::uint64_t> sizes;
        std::vector<std::uint32_t> block_sizes;
        for (const Candidate& c : found) {
            sizes.push_back(c.sb.spare_sectors);
            block_sizes.push_back(c.sb.block_size);
        }
        sizes.push_back(report_.size_bytes / 512);
        for (std::uint32_t bs = 512; bs <= 65536; bs <<= 1)
            block_sizes.push_back(bs);
        const CopyReport& c1 = report_.copies[1];
        // Where copy 1's superblock was found, or no sector (~0).
        const std::uint64_t copy1 = c1.superblock && c1.sector ? *c1.sector : ~std::uint64_t{0};
        int best_score = -1;
        for (const std::uint64_t size : sizes) {
            for (const std::uint32_t bs : block_sizes) {
                const auto g = compute_geometry(size, bs);
                if (!g)
                    continue;
                int score = copy1 == g->copy_offset[1] ? 2 : 0;
                int best_single = 0;
                for (const Candidate& c : found) {
                    const int m = layout_matches(c.sb, size, bs, *g);
                    score += m;
                    best_single = std::max(best_single, m);
                }
                // Most of one superblock's layout must agree.
                if (best_single >= 5 && score > best_score) {
                    best_score = score;
                    set_geometry(base_, *g);
                    base_.spare_sectors = size;
                    base_.block_size = bs;
                }
            }
        }
        return best_score >= 0;
    }

    bool merge_damaged(const std::vector<Candidate>& found)
    {
        const Superblock& a = found.front().sb;
        const Superblock& b = found.back().sb;
        base_ = a;
        if (!choose_layout(found))
            return refuse("the damaged superblocks agree on no layout the kernel computes");
        // Trust a CRC over none; else copy 0.
        const Superblock& trusted = found.back().crc_ok && !found.front().crc_ok ? b : a;
        base_.uuid = trusted.uuid;
        if (a.uuid != b.uuid) {
            unrecovered(std::nullopt, std::nullopt, std::nullopt,
                        "superblock uuid: the copies say " + uuid_to_string(a.uuid) + " and " +
                            uuid_to_string(b.uuid) + "; took " + uuid_to_string(base_.uuid));
        }
        base_.format_time = trusted.format_time;
        // The lower seq: a table block newer than it is reported, never
        // taken silently.
        base_.seq = std::min(a.seq, b.seq);
        main_candidates_ = distinct({a.main_sectors, b.main_sectors});
        used_candidates_ = distinct({a.table_used, b.table_used});
        base_.copy_offset[0] = 0;
        std::string copies = found.size() == 2 ? "copies 0 and 1" : "copy " + n(found.front().copy);
        result_.superblock_notes.push_back(
            "rebuilt from the damaged superblock" + std::string(found.size() == 2 ? "s" : "") +
            " of " + copies + ", with the layout the kernel computes for a spare of " +
            n(base_.spare_sectors) + " sectors and a block size of " + n(base_.block_size));
        return true;
    }

    View read_view(unsigned copy, std::uint64_t index) const
    {
        View view;
        const BlockRead read = read_block(image_, meta_block_offset(read_sector_[copy], 1 + index));
        if (read.status == BlockRead::Status::io_error) {
            view.kind = View::Kind::unreadable;
            return view;
        }
        if (!read.ok())
            return view;
        view.table = decode_table_block(read.block);
        const TableHeader& h = view.table.header;
        if (h.magic != table_magic || h.index != index || h.copy != copy)
            return view;
        view.kind = h.crc == computed_crc(read.block) ? View::Kind::valid : View::Kind::crc_bad;
        return view;
    }

    std::uint64_t plausible_table_used() const
    {
        std::uint64_t used = 0;
        for (const std::uint64_t u : used_candidates_)
            if (u <= base_.pool_blocks)
                used = std::max(used, u);
        return used;
    }

    void scan_tables()
    {
        const std::uint64_t expected =
            std::min(used_table_blocks(plausible_table_used()), base_.table_blocks);
        for (std::uint64_t i = 0; i < base_.table_blocks; ++i) {
            const std::array<View, nr_copies> views{read_view(0, i), read_view(1, i)};
            if (i >= expected && !views[0].has_header() && !views[1].has_header())
                break;
            salvage_block(i, views, i < expected);
        }
    }

    std::optional<unsigned> pick_valid(const std::array<View, nr_copies>& views) const
    {
        std::optional<unsigned> pick;
        for (const unsigned c : copy_order()) {
            const View& v = views[c];
            if (v.kind != View::Kind::valid || v.seq() > seq_)
                continue;
            if (!pick || v.seq() > views[*pick].seq())
                pick = c;
        }
        return pick;
    }

    // The copy the kernel would load first, then the other.
    std::array<unsigned, nr_copies> copy_order() const
    {
        const unsigned first = report_.chosen.value_or(0);
        return {first, 1 - first};
    }

    // Whether copy c's version of a table block is the one of the state
    // rebuilt: the other copy has the same version, or copy c's superblock
    // is valid and holds that state.
    bool certain(unsigned c, const std::array<View, nr_copies>& views) const
    {
        const View& other = views[1 - c];
        if (other.has_header() && other.seq() == views[c].seq())
            return true;
        const CopyReport& copy = report_.copies[c];
        return copy.superblock_valid() && copy.superblock->seq == seq_;
    }

    void salvage_block(std::uint64_t i, const std::array<View, nr_copies>& views, bool expected)
    {
        if (const auto pick = pick_valid(views)) {
            if (!certain(*pick, views)) {
                unrecovered(1 - *pick, i, std::nullopt,
                            "table block " + n(i) + ": copy " + n(1 - *pick) +
                                "'s version is damaged or missing, so changes made to it after "
                                "seq " + n(views[*pick].seq()) + " (copy " + n(*pick) +
                                "'s version, which was used) may be lost");
            }
            take_entries(i, views, *pick);
            return;
        }
        for (const unsigned c : copy_order()) {
            if (views[c].kind == View::Kind::valid) {
                unrecovered(c, i, std::nullopt,
                            "table block " + n(i) + ": only copy " + n(c) + "'s version has a good "
                            "CRC, and its seq " + n(views[c].seq()) + " is newer than the "
                            "superblock's " + n(seq_) + " (a commit that did not complete, or one "
                            "whose superblock was lost): its entries were taken");
                take_entries(i, views, c);
                return;
            }
        }
        if (views[0].kind == View::Kind::crc_bad && views[1].kind == View::Kind::crc_bad &&
            views[0].seq() == views[1].seq()) {
            take_agreeing_entries(i, views);
            return;
        }
        describe_lost_block(i, views, expected);
    }

    void describe_lost_block(std::uint64_t i, const std::array<View, nr_copies>& views, bool expected)
    {
        for (const unsigned c : {0u, 1u}) {
            if (views[c].kind == View::Kind::crc_bad) {
                unrecovered(c, i, std::nullopt,
                            "table block " + n(i) + ": copy " + n(c) + "'s version has a bad CRC "
                            "and no other version agrees with it: its entries (spare blocks " +
                                n(i * entries_per_block) + " to " +
                                n(i * entries_per_block + entries_per_block - 1) +
                                ") cannot be trusted");
                return;
            }
        }
        if (expected) {
            unrecovered(std::nullopt, i, std::nullopt,
                        "table block " + n(i) + ": lost in both copies (" +
                            (views[0].kind == View::Kind::unreadable ||
                                     views[1].kind == View::Kind::unreadable
                                 ? "read errors"
                                 : "no table block there") +
                            "): the remaps of spare blocks " + n(i * entries_per_block) + " to " +
                            n(i * entries_per_block + entries_per_block - 1) + " are lost");
        }
    }

    std::optional<std::string> entry_fault(const Entry& e, std::uint64_t spare) const
    {
        Superblock widest = base_;
        widest.main_sectors = *std::max_element(main_candidates_.begin(), main_candidates_.end());
        if (const auto fault = kernel_entry_fault(e, main_blocks(widest), base_.block_size))
            return fault->reason;
        if (!e.is_free() && spare >= base_.pool_blocks)
            return "spare block " + n(spare) + " lies outside the " + n(base_.pool_blocks) +
                   "-block pool";
        return std::nullopt;
    }

    void recover(std::uint64_t spare, const Entry& e, RemapSource source)
    {
        result_.entries.push_back({spare, normalized(e, base_.block_size), std::move(source)});
    }

    void take_entries(std::uint64_t i, const std::array<View, nr_copies>& views, unsigned c)
    {
        const View& other = views[1 - c];
        const bool other_usable = other.kind == View::Kind::valid && other.seq() <= seq_;
        for (std::size_t k = 0; k < entries_per_block; ++k) {
            const std::uint64_t spare = i * entries_per_block + k;
            const Entry& e = views[c].table.entries[k];
            const auto fault = entry_fault(e, spare);
            if (!fault) {
                if (e.is_free())
                    continue;
                RemapSource source{{c}, i, views[c].seq(), true};
                if (other_usable && other.seq() == views[c].seq() && other.table.entries[k] == e)
                    source.copies = {0, 1};
                recover(spare, e, std::move(source));
                continue;
            }
            const Entry& alternative = other.table.entries[k];
            if (other_usable && !alternative.is_free() && !entry_fault(alternative, spare)) {
                recover(spare, alternative, RemapSource{{1 - c}, i, other.seq(), true});
                continue;
            }
            unrecovered(c, i, spare, "spare block " + n(spare) + ": " + *fault);
        }
    }

    void take_agreeing_entries(std::uint64_t i, const std::array<View, nr_copies>& views)
    {
        for (std::size_t k = 0; k < entries_per_block; ++k) {
            const std::uint64_t spare = i * entries_per_block + k;
            const Entry& a = views[0].table.entries[k];
            const Entry& b = views[1].table.entries[k];
            if (a.is_free() && b.is_free())
                continue;
            if (a != b) {
                unrecovered(std::nullopt, i, spare,
                            "spare block " + n(spare) + ": both copies' table block " + n(i) +
                                " have bad CRCs and their entries differ");
                continue;
            }
            if (const auto fault = entry_fault(a, spare)) {
                unrecovered(std::nullopt, i, spare, "spare block " + n(spare) + ": " + *fault);
                continue;
            }
            recover(spare, a, RemapSource{{0, 1}, i, views[0].seq(), false});
        }
    }

    // A block remapped twice keeps the remap from the newest table block;
    // on a tie nobody can say which spare block holds its data.
    void resolve_duplicates()
    {
        std::map<std::uint64_t, std::vector<std::size_t>> by_block;
        for (std::size_t i = 0; i < result_.entries.size(); ++i)
            by_block[result_.entries[i].entry.block].push_back(i);
        std::vector<bool> drop(result_.entries.size(), false);
        for (const auto& [block, indexes] : by_block) {
            if (indexes.size() < 2)
                continue;
            std::size_t newest = indexes.front();
            bool tie = false;
            for (const std::size_t i : indexes) {
                const std::uint64_t seq = result_.entries[i].source.seq;
                if (i == newest)
                    continue;
                if (seq > result_.entries[newest].source.seq) {
                    newest = i;
                    tie = false;
                } else if (seq == result_.entries[newest].source.seq) {
                    tie = true;
                }
            }
            for (const std::size_t i : indexes) {
                if (i == newest && !tie)
                    continue;
                drop[i] = true;
                const RecoveredEntry& e = result_.entries[i];
                unrecovered(std::nullopt, e.source.table_block, e.spare_block,
                            "spare block " + n(e.spare_block) + ": block " + n(block) +
                                " is remapped more than once" +
                                (tie ? " by table blocks of the same seq: which spare block "
                                       "holds its data is unknown"
                                     : "; the remap from the newest table block was kept"));
            }
        }
        std::vector<RecoveredEntry> kept;
        for (std::size_t i = 0; i < result_.entries.size(); ++i)
            if (!drop[i])
                kept.push_back(std::move(result_.entries[i]));
        result_.entries = std::move(kept);
    }

    // main_sectors: the smallest value the copies give that every entry
    // fits; table_used over every entry; the counters.
    void finish_superblock()
    {
        std::sort(main_candidates_.begin(), main_candidates_.end());
        std::uint64_t highest_block = 0;
        std::uint64_t highest_spare = 0;
        for (const RecoveredEntry& e : result_.entries) {
            highest_block = std::max(highest_block, e.entry.block + 1);
            highest_spare = std::max(highest_spare, e.spare_block + 1);
        }
        for (const std::uint64_t m : main_candidates_) {
            Superblock probe = base_;
            probe.main_sectors = m;
            if (main_blocks(probe) >= std::max<std::uint64_t>(highest_block, 1)) {
                base_.main_sectors = m;
                break;
            }
        }
        if (main_candidates_.size() > 1) {
            unrecovered(std::nullopt, std::nullopt, std::nullopt,
                        "superblock main_sectors: the copies say " +
                            number_list(main_candidates_) + "; took " + n(base_.main_sectors) +
                            " (it must equal the main device's size in sectors, rounded down to "
                            "whole blocks)");
        }
        // A target of no whole block holds nothing: the kernel and restore
        // refuse such a superblock, so the salvage must not offer it.
        if (main_blocks(base_) == 0) {
            refuse("no superblock gives a main device of at least one block (main_sectors " +
                   n(base_.main_sectors) + ")");
            return;
        }
        std::optional<std::uint64_t> used;
        for (const std::uint64_t u : used_candidates_)
            if (u <= base_.pool_blocks)
                used = std::min(used.value_or(u), u);
        base_.table_used = std::max(used.value_or(0), highest_spare);
        base_.nr_remaps = result_.entries.size();
        base_.magic = superblock_magic;
        base_.version = format_version;
        base_.meta_block_size = block_bytes;
        result_.superblock = base_;
    }

    MetadataImage& image_;
    const CheckReport& report_;
    SalvageResult result_;
    Superblock base_;
    std::array<std::uint64_t, nr_copies> read_sector_{};
    std::uint64_t seq_ = 0;
    std::vector<std::uint64_t> main_candidates_;
    std::vector<std::uint64_t> used_candidates_;
};

}  // namespace

std::string describe(const RemapSource& source)
{
    std::string text = source.copies.size() == 2 ? "copies 0 and 1" : "copy " + n(source.copies.front());
    text += ", table block " + n(source.table_block) + " (seq " + n(source.seq);
    if (!source.crc_ok)
        text += ", both CRCs bad, the entries agree";
    return text + ")";
}

SalvageResult salvage_metadata(MetadataImage& image, const CheckReport& report)
{
    return Salvager(image, report).run();
}

bool fit_to_device(SalvageResult& result, std::uint64_t device_sectors)
{
    Superblock& sb = *result.superblock;
    if (geometry_faults(sb, device_sectors).empty())
        return true;
    const auto g = compute_geometry(device_sectors, sb.block_size);
    if (!g || g->pool_offset != sb.pool_offset) {
        result.refusal = "the layout was made for a spare of " + n(sb.spare_sectors) +
                         " sectors and does not fit this one of " + n(device_sectors) +
                         "; a layout for this size moves the spare pool, which would lose every "
                         "remap's data: restore a salvage dump onto a spare of " +
                         n(sb.spare_sectors) + " sectors instead";
        result.superblock.reset();
        return false;
    }
    std::vector<RecoveredEntry> kept;
    for (RecoveredEntry& e : result.entries) {
        if (e.spare_block < g->pool_blocks) {
            kept.push_back(std::move(e));
            continue;
        }
        ++result.unrecovered_count;
        if (result.unrecovered.size() < SalvageResult::max_listed) {
            result.unrecovered.push_back(
                {std::nullopt, e.source.table_block, e.spare_block,
                 "spare block " + n(e.spare_block) + " (block " + n(e.entry.block) +
                     ") lies beyond the pool of " + n(g->pool_blocks) +
                     " blocks this smaller spare has"});
        }
    }
    result.entries = std::move(kept);
    result.superblock_notes.push_back("the layout was made for a spare of " +
                                      n(sb.spare_sectors) + " sectors; this one has " +
                                      n(device_sectors) + ", so copy 1 moves from sector " +
                                      n(sb.copy_offset[1]) + " to " + n(g->copy_offset[1]) +
                                      " (the spare pool stays where it is)");
    set_geometry(sb, *g);
    sb.spare_sectors = device_sectors;
    sb.table_used = std::min(sb.table_used, g->pool_blocks);
    sb.nr_remaps = result.entries.size();
    return true;
}

}  // namespace dmremap::metadata
