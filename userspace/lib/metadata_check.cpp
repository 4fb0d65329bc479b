#include "metadata_check.hpp"

#include <algorithm>
#include <cstdio>

#include "error.hpp"
#include "metadata_geometry.hpp"
#include "number_list.hpp"

namespace dmremap::metadata {

namespace {

// Per table block, so that one wiped block does not flood the report.
constexpr std::size_t max_entry_problems_per_block = 8;
// Duplicates and differences listed per copy.
constexpr std::size_t max_listed_per_kind = 16;

std::string n(std::uint64_t value)
{
    return std::to_string(value);
}

class Collector {
public:
    explicit Collector(CheckReport& report) : report_(report) {}

    void add(Severity severity, std::optional<unsigned> copy, std::optional<std::uint64_t> meta_block,
             std::optional<std::uint64_t> offset, std::string field, std::string message)
    {
        (severity == Severity::damage ? report_.damage_count : report_.note_count)++;
        if (report_.problems.size() < CheckReport::max_listed_problems) {
            report_.problems.push_back(Problem{severity, copy, meta_block, offset, std::move(field),
                                               std::move(message)});
        }
    }

    // A problem with a whole copy.
    void copy(Severity severity, unsigned c, std::string message)
    {
        add(severity, c, std::nullopt, std::nullopt, "", std::move(message));
    }

    void general(Severity severity, std::string message)
    {
        add(severity, std::nullopt, std::nullopt, std::nullopt, "", std::move(message));
    }

    // A problem past a listing limit: counted, not listed.
    void count(Severity severity)
    {
        (severity == Severity::damage ? report_.damage_count : report_.note_count)++;
    }

    // The problems gathered in from, as notes when as_notes.
    void merge(const CheckReport& from, bool as_notes)
    {
        std::uint64_t listed_damage = 0;
        for (const Problem& p : from.problems) {
            listed_damage += p.severity == Severity::damage;
            add(as_notes ? Severity::note : p.severity, p.copy, p.meta_block, p.offset, p.field,
                p.message);
        }
        const std::uint64_t damage = from.damage_count - listed_damage;
        const std::uint64_t notes = from.note_count - (from.problems.size() - listed_damage);
        (as_notes ? report_.note_count : report_.damage_count) += damage;
        report_.note_count += notes;
    }

private:
    CheckReport& report_;
};

// The superblock checks of the kernel, in its order, but listing every
// fault instead of stopping at the first.
void field_faults(const Superblock& sb, unsigned copy, std::uint64_t device_sectors,
                  std::vector<SuperblockFault>& faults)
{
    if (sb.version > format_version) {
        faults.push_back({SuperblockField::version,
                          "format version " + n(sb.version) + " is newer than this tool's (" +
                              n(format_version) + "): upgrade dmremap"});
    } else if (sb.version != format_version) {
        faults.push_back({SuperblockField::version, "format version " + n(sb.version) +
                                                        " is not one dm-remap ever wrote (this "
                                                        "tool reads " + n(format_version) + ")"});
    }
    if (sb.copy != copy) {
        faults.push_back({SuperblockField::copy, "says copy " + n(sb.copy) +
                                                     " but sits where copy " + n(copy) +
                                                     " belongs"});
    }
    if (sb.meta_block_size != block_bytes) {
        faults.push_back({SuperblockField::meta_block_size,
                          "meta_block_size is " + n(sb.meta_block_size) + ", not " +
                              n(block_bytes)});
    }
    if (sb.seq == 0 || sb.seq > max_seq) {
        faults.push_back({SuperblockField::seq,
                          "seq " + n(sb.seq) + " is " +
                              (sb.seq == 0 ? std::string("0: no commit writes it")
                                           : "above 2^63-1: the next commit's number could wrap")});
    }
    if (!is_valid_block_size(sb.block_size)) {
        faults.push_back({SuperblockField::block_size,
                          "block_size " + n(sb.block_size) +
                              " is not a power of two from 512 to 65536"});
    }
    for (GeometryFault& fault : geometry_faults(sb, device_sectors))
        faults.push_back({fault.field, std::move(fault.reason)});
}

void inspect_superblock(MetadataImage& image, CopyReport& c, std::uint64_t sector,
                        std::uint64_t device_sectors, std::vector<SuperblockFault>& faults)
{
    c.sector = sector;
    c.superblock.reset();
    c.crc_ok = false;
    c.blank = false;
    faults.clear();
    const BlockRead read = read_block_at_sector(image, sector);
    if (read.status == BlockRead::Status::beyond_end) {
        c.superblock_status = SuperblockStatus::beyond_end;
        return;
    }
    if (read.status == BlockRead::Status::io_error) {
        c.superblock_status = SuperblockStatus::unreadable;
        faults.push_back({SuperblockField::crc, "cannot be read: " + errno_text(read.error_code)});
        return;
    }
    if (magic_of(read.block) != superblock_magic) {
        c.superblock_status = SuperblockStatus::absent;
        c.blank = is_zero(read.block);
        return;
    }
    c.superblock = decode_superblock(read.block);
    c.crc_ok = stored_crc(read.block) == computed_crc(read.block);
    if (c.crc_ok)
        c.newest_seq = c.superblock->seq;
    faults = superblock_faults(read.block, c.copy, device_sectors);
    c.superblock_status = faults.empty() ? SuperblockStatus::valid : SuperblockStatus::damaged;
}

// The copy 1 positions a spare of this size has for each block size, in
// block size order, without repeats.
std::vector<std::uint64_t> computed_copy1_sectors(std::uint64_t device_sectors)
{
    std::vector<std::uint64_t> sectors;
    for (std::uint32_t bs = 512; bs <= 65536; bs <<= 1) {
        const auto g = compute_geometry(device_sectors, bs);
        if (g && std::find(sectors.begin(), sectors.end(), g->copy_offset[1]) == sectors.end())
            sectors.push_back(g->copy_offset[1]);
    }
    return sectors;
}

void report_superblock_faults(Collector& out, const CopyReport& c,
                              const std::vector<SuperblockFault>& faults)
{
    for (const SuperblockFault& fault : faults) {
        const Field f = field(fault.field);
        const bool unreadable = c.superblock_status == SuperblockStatus::unreadable;
        out.add(Severity::damage, c.copy, 0,
                meta_block_offset(*c.sector, 0) + (unreadable ? 0 : f.offset),
                unreadable ? "" : f.name, "superblock: " + fault.reason);
    }
}

// Reads the used table blocks of a copy with a valid superblock, the
// kernel's check_table_block() and more, one block at a time.
class TableScanner {
public:
    using Remaps = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

    TableScanner(MetadataImage& image, CheckReport& report, CopyReport& c, Collector& out)
        : image_(image), report_(report), c_(c), out_(out), sb_(*c.superblock),
          target_blocks_(main_blocks(sb_))
    {
    }

    void scan(Remaps& remaps)
    {
        const std::uint64_t blocks = used_table_blocks(sb_.table_used);
        for (std::uint64_t i = 0; i < blocks; ++i) {
            const auto table = read(i);
            if (!table || !header_ok(i, *table))
                continue;
            if (table->header.seq > sb_.seq) {
                // Written by a commit whose superblock never made it: torn.
                // Classified once the other copy is known.
                c_.torn_blocks.push_back(i);
                c_.torn_seqs.push_back(table->header.seq);
                continue;
            }
            check_entries(i, *table, remaps);
        }
        c_.consistent = c_.damaged_blocks.empty() && c_.torn_blocks.empty();
        if (c_.consistent)
            c_.remaps = remaps.size();
    }

private:
    void problem(std::uint64_t i, Severity severity, const Field* f, std::string message)
    {
        out_.add(severity, c_.copy, 1 + i, meta_block_offset(*c_.sector, 1 + i) + (f ? f->offset : 0),
                 f ? f->name : "", "table block " + n(i) + ": " + message);
    }

    std::optional<TableBlock> read(std::uint64_t i)
    {
        const BlockRead block = read_block(image_, meta_block_offset(*c_.sector, 1 + i));
        if (!block.ok()) {
            c_.damaged_blocks.push_back(i);
            if (block.status == BlockRead::Status::io_error)
                ++report_.read_errors;
            problem(i, Severity::damage, nullptr,
                    block.status == BlockRead::Status::io_error
                        ? "cannot be read: " + errno_text(block.error_code)
                        : std::string("lies beyond the end of the device"));
            return std::nullopt;
        }
        const TableBlock table = decode_table_block(block.block);
        if (table.header.magic != table_magic) {
            c_.damaged_blocks.push_back(i);
            const Field f = field(HeaderField::magic);
            problem(i, Severity::damage, &f,
                    is_zero(block.block) ? std::string("is all zeros (never written, or wiped)")
                                         : "magic is " + hex(table.header.magic) + ", not " +
                                               hex(table_magic) + " (\"TABL\")");
            return std::nullopt;
        }
        crc_ok_ = table.header.crc == computed_crc(block.block);
        computed_crc_ = computed_crc(block.block);
        return table;
    }

    // The header's CRC, index and copy; notes a reserved field.
    bool header_ok(std::uint64_t i, const TableBlock& table)
    {
        const TableHeader& h = table.header;
        bool bad = false;
        if (!crc_ok_) {
            const Field f = field(HeaderField::crc);
            problem(i, Severity::damage, &f,
                    "stored CRC " + hex(h.crc) + " but the block's CRC-32C is " + hex(computed_crc_));
            bad = true;
        } else {
            c_.newest_seq = std::max(c_.newest_seq, h.seq);
        }
        if (h.index != i) {
            const Field f = field(HeaderField::index);
            problem(i, Severity::damage, &f, "says index " + n(h.index) + ", expected " + n(i));
            bad = true;
        }
        if (h.copy != c_.copy) {
            const Field f = field(HeaderField::copy);
            problem(i, Severity::damage, &f, "says copy " + n(h.copy) + ", expected " + n(c_.copy));
            bad = true;
        }
        if (bad) {
            c_.damaged_blocks.push_back(i);
            return false;
        }
        if (h.reserved != 0 && h.seq <= sb_.seq) {
            const Field f = field(HeaderField::reserved);
            problem(i, Severity::note, &f,
                    "reserved header field is " + hex(h.reserved) + " (the kernel ignores it)");
        }
        return true;
    }

    void entry_problem(std::uint64_t i, std::size_t k, Severity severity, EntryField which,
                       const std::string& message)
    {
        if (listed_++ >= max_entry_problems_per_block) {
            out_.count(severity);  // so that the verdict stays right
            return;
        }
        const Field f = field(k, which);
        problem(i, severity, &f, "spare block " + n(i * entries_per_block + k) + ": " + message);
    }

    // What the kernel's entry_valid() passes but the load or the format
    // says more about.
    void check_used_entry(std::uint64_t i, std::size_t k, const Entry& e)
    {
        const std::uint64_t spare = i * entries_per_block + k;
        if (spare >= sb_.pool_blocks) {
            // load_entry(): spare_pool_claim() fails, and the whole load with it.
            ++c_.outside_pool;
            entry_problem(i, k, Severity::damage, EntryField::block,
                          "in use (block " + n(e.block) + ") but the pool has only " +
                              n(sb_.pool_blocks) + " blocks: the kernel refuses to load it");
        } else if (spare >= sb_.table_used) {
            entry_problem(i, k, Severity::note, EntryField::block,
                          "in use (block " + n(e.block) + ") but table_used is " +
                              n(sb_.table_used) + " (the kernel loads it all the same)");
        }
        const bool has_lost = e.has_lost_sectors();
        if (((e.flags & flag_lost) != 0) != has_lost) {
            entry_problem(i, k, Severity::note, EntryField::flags,
                          std::string(has_lost ? "sectors are marked lost but the LOST flag is clear"
                                               : "the LOST flag is set but no sector is marked lost") +
                              ": the kernel loads the block as not lost");
        }
    }

    void check_entries(std::uint64_t i, const TableBlock& table, Remaps& remaps)
    {
        listed_ = 0;
        bool invalid = false;
        Remaps found;
        for (std::size_t k = 0; k < entries_per_block; ++k) {
            const Entry& e = table.entries[k];
            if (const auto fault = kernel_entry_fault(e, target_blocks_, sb_.block_size)) {
                invalid = true;
                entry_problem(i, k, Severity::damage, fault->field, fault->reason);
            } else if (e.is_free()) {
                if (e.reserved != 0 || e.has_lost_sectors()) {
                    entry_problem(i, k, Severity::note,
                                  e.reserved ? EntryField::reserved : EntryField::lost,
                                  "free entry with non-zero reserved or lost fields (ignored)");
                }
            } else {
                found.emplace_back(e.block, i * entries_per_block + k);
                check_used_entry(i, k, e);
            }
        }
        if (invalid) {
            c_.damaged_blocks.push_back(i);
            return;
        }
        for (const auto& remap : found) {
            remaps.push_back(remap);
            c_.highest_used_spare = std::max(c_.highest_used_spare, remap.second + 1);
        }
    }

    MetadataImage& image_;
    CheckReport& report_;
    CopyReport& c_;
    Collector& out_;
    const Superblock& sb_;
    const std::uint64_t target_blocks_;
    bool crc_ok_ = false;
    std::uint32_t computed_crc_ = 0;
    std::size_t listed_ = 0;
};

// The logical checks of a consistent copy: what the kernel's load and the
// superblock's counters expect of the entries. Duplicates are damage
// (severity) in the copy the kernel loads; in one it rewrites, a note.
void check_remaps(CopyReport& c, Collector& out,
                  std::vector<std::pair<std::uint64_t, std::uint64_t>>& remaps, Severity severity)
{
    const Superblock& sb = *c.superblock;
    const Field nr = field(SuperblockField::nr_remaps);
    if (sb.nr_remaps != remaps.size()) {
        out.add(Severity::note, c.copy, 0, meta_block_offset(*c.sector, 0) + nr.offset, nr.name,
                "superblock: nr_remaps is " + n(sb.nr_remaps) + " but the table holds " +
                    n(remaps.size()) + " remaps (the kernel does not check it on load)");
    }
    std::sort(remaps.begin(), remaps.end());
    std::size_t listed = 0;
    for (std::size_t i = 1; i < remaps.size(); ++i) {
        if (remaps[i].first != remaps[i - 1].first)
            continue;
        if (i >= 2 && remaps[i - 2].first == remaps[i].first)
            continue;  // counted with the first pair
        ++c.duplicate_blocks;
        std::string message = "block " + n(remaps[i].first) + " is remapped twice: to spare blocks " +
                              n(remaps[i - 1].second) + " and " + n(remaps[i].second) +
                              (severity == Severity::damage
                                   ? " (the kernel refuses to load this table)"
                                   : " (the kernel loads the other copy and rewrites this one)");
        if (listed++ < max_listed_per_kind)
            out.copy(severity, c.copy, std::move(message));
        else
            out.count(severity);
    }
}

// Two consistent copies of the same commit must hold the same table.
void compare_same_seq(MetadataImage& image, const CopyReport& a, const CopyReport& b,
                      Collector& out)
{
    const Superblock& sa = *a.superblock;
    const Superblock& sb = *b.superblock;
    if (sa.table_used != sb.table_used || sa.nr_remaps != sb.nr_remaps) {
        out.general(Severity::note,
                    "copies 0 and 1 both hold seq " + n(sa.seq) + " but differ: table_used " +
                        n(sa.table_used) + " / " + n(sb.table_used) + ", nr_remaps " +
                        n(sa.nr_remaps) + " / " + n(sb.nr_remaps));
    }
    const std::uint64_t blocks = used_table_blocks(std::min(sa.table_used, sb.table_used));
    std::size_t listed = 0;
    for (std::uint64_t i = 0; i < blocks; ++i) {
        const BlockRead ra = read_block(image, meta_block_offset(*a.sector, 1 + i));
        const BlockRead rb = read_block(image, meta_block_offset(*b.sector, 1 + i));
        if (!ra.ok() || !rb.ok())
            continue;
        bool differ = false;
        for (std::size_t k = 0; k < entries_per_block && !differ; ++k) {
            Entry ea = decode_entry(ra.block, k);
            Entry eb = decode_entry(rb.block, k);
            // Free entries are equal whatever their ignored fields hold.
            differ = ea.is_free() != eb.is_free() || (!ea.is_free() && ea != eb);
        }
        if (!differ)
            continue;
        if (listed++ < max_listed_per_kind) {
            out.add(Severity::note, b.copy, 1 + i, meta_block_offset(*b.sector, 1 + i), "",
                    "table block " + n(i) + " differs from copy " + n(a.copy) +
                        "'s although both hold seq " + n(sa.seq) +
                        " (the kernel does not compare the copies: it loads copy " + n(a.copy) +
                        ")");
        } else {
            out.count(Severity::note);
        }
    }
}

// The constructor adopts the valid superblock with the highest seq (copy 0
// on a tie) and sets up the pool from it; at resume a copy whose layout
// differs is unusable (same_layout()). The problems go into layout, their
// severity known once the loaded copy is.
void compare_fixed_fields(CheckReport& report, Collector& out, std::vector<Problem>& layout)
{
    const Superblock& a = *report.copies[0].superblock;
    const Superblock& b = *report.copies[1].superblock;
    const unsigned adopted = b.seq > a.seq ? 1 : 0;
    CopyReport& other = report.copies[1 - adopted];
    struct Pair {
        SuperblockField which;
        std::uint64_t a, b;
        bool layout;
    };
    const Pair pairs[] = {
        {SuperblockField::block_size, a.block_size, b.block_size, true},
        {SuperblockField::main_sectors, a.main_sectors, b.main_sectors, true},
        {SuperblockField::spare_sectors, a.spare_sectors, b.spare_sectors, false},
        {SuperblockField::copy_offset_0, a.copy_offset[0], b.copy_offset[0], true},
        {SuperblockField::copy_offset_1, a.copy_offset[1], b.copy_offset[1], true},
        {SuperblockField::copy_sectors, a.copy_sectors, b.copy_sectors, true},
        {SuperblockField::table_blocks, a.table_blocks, b.table_blocks, true},
        {SuperblockField::pool_offset, a.pool_offset, b.pool_offset, true},
        {SuperblockField::pool_blocks, a.pool_blocks, b.pool_blocks, true},
        {SuperblockField::format_time, a.format_time, b.format_time, false},
    };
    for (const Pair& p : pairs) {
        if (p.a == p.b)
            continue;
        const Field f = field(p.which);
        const std::uint64_t mine = other.copy == 0 ? p.a : p.b;
        const std::uint64_t theirs = other.copy == 0 ? p.b : p.a;
        std::string message = "superblock: " + f.name + " is " + n(mine) + " in copy " +
                              n(other.copy) + " but " + n(theirs) + " in copy " + n(adopted);
        const std::uint64_t offset = meta_block_offset(*other.sector, 0) + f.offset;
        if (p.layout) {
            other.layout_differs = true;
            layout.push_back(Problem{Severity::damage, other.copy, 0, offset, f.name,
                                     message + ": the layout differs from the one the kernel "
                                               "adopts (copy " + n(adopted) +
                                         "'s), so it does not use this copy"});
        } else {
            out.add(Severity::note, other.copy, 0, offset, f.name,
                    message + " (the kernel does not compare it)");
        }
    }
}

bool interrupted_format(const CopyReport& missing, const CopyReport& good)
{
    // format() writes copy 1's superblock, then copy 0's.
    return missing.copy == 0 && missing.superblock_status == SuperblockStatus::absent &&
           missing.blank && good.consistent && good.superblock->seq == 1 &&
           good.superblock->table_used == 0 && good.superblock->nr_remaps == 0;
}

void describe_missing(const CheckReport& report, const CopyReport& c, Collector& out)
{
    const CopyReport& other = report.copies[1 - c.copy];
    if (report.chosen && interrupted_format(c, other)) {
        out.copy(Severity::note, c.copy,
                 "copy 0 was never written: a format was interrupted after copy 1; the kernel "
                 "writes copy 0 at its next commit");
        return;
    }
    switch (c.superblock_status) {
    case SuperblockStatus::beyond_end:
        out.copy(Severity::damage, c.copy,
                 "missing: sector " + n(*c.sector) + " lies beyond the end of the device (" +
                     n(report.size_bytes / 512) + " sectors): truncated image?");
        break;
    case SuperblockStatus::not_located:
        out.copy(Severity::damage, c.copy,
                 "missing: the device is too small for any layout, so there is nowhere to look");
        break;
    default:
        if (c.copy == 1 && !c.searched.empty() && !report.copies[0].superblock_valid()) {
            out.copy(Severity::damage, 1,
                     "missing: no superblock at any sector where a block size of 512 to 65536 "
                     "puts copy 1 (" +
                         number_list(c.searched) + ")");
        } else {
            out.add(Severity::damage, c.copy, 0, meta_block_offset(*c.sector, 0), "magic",
                    std::string("missing: no superblock at sector ") + n(*c.sector) +
                        (c.blank ? " (zeros)" : " (other data)"));
        }
        break;
    }
}

void describe_torn(const CheckReport& report, const CopyReport& c, Collector& out)
{
    const Superblock& sb = *c.superblock;
    const CopyReport* chosen = report.chosen_copy();
    // A commit writes one copy at a time. A torn copy whose superblock is
    // no newer than the loaded copy lost nothing: that commit never
    // completed on it, and the kernel rewrites it. A torn copy with a
    // newer superblock held commits that the loaded copy does not.
    const bool benign = chosen && sb.seq <= chosen->superblock->seq;
    const Severity severity = benign ? Severity::note : Severity::damage;
    const Field seq = field(HeaderField::seq);
    for (std::size_t k = 0; k < c.torn_blocks.size(); ++k) {
        const std::uint64_t i = c.torn_blocks[k];
        out.add(severity, c.copy, 1 + i, meta_block_offset(*c.sector, 1 + i) + seq.offset, seq.name,
                "table block " + n(i) + ": seq " + n(c.torn_seqs[k]) +
                    " is newer than the superblock's " + n(sb.seq));
    }
    std::string message = "torn: table blocks " + number_list(c.torn_blocks) +
                           " are newer than its superblock (seq " + n(sb.seq) + "): a commit was " +
                           "interrupted while writing this copy";
    if (benign) {
        message += "; the kernel loads copy " + n(chosen->copy) + " (seq " +
                   n(chosen->superblock->seq) + ") and rewrites this one at its next commit";
    } else if (chosen) {
        message += "; copy " + n(chosen->copy) + " holds only seq " +
                   n(chosen->superblock->seq) + ", so commits up to seq " + n(sb.seq) +
                   " are lost";
    } else {
        message += ", and no other copy is consistent";
    }
    out.copy(severity, c.copy, std::move(message));
}

}  // namespace

std::string_view to_string(SuperblockStatus status) noexcept
{
    switch (status) {
    case SuperblockStatus::valid: return "valid";
    case SuperblockStatus::absent: return "absent";
    case SuperblockStatus::damaged: return "damaged";
    case SuperblockStatus::unreadable: return "unreadable";
    case SuperblockStatus::beyond_end: return "beyond_end";
    case SuperblockStatus::not_located: return "not_located";
    }
    return "?";
}

std::string_view to_string(CopyStatus status) noexcept
{
    switch (status) {
    case CopyStatus::ok: return "ok";
    case CopyStatus::stale: return "stale";
    case CopyStatus::torn: return "torn";
    case CopyStatus::damaged: return "damaged";
    case CopyStatus::missing: return "missing";
    }
    return "?";
}

std::string_view to_string(Severity severity) noexcept
{
    return severity == Severity::damage ? "damage" : "note";
}

std::string_view to_string(LoadVerdict verdict) noexcept
{
    switch (verdict) {
    case LoadVerdict::ok: return "ok";
    case LoadVerdict::degraded: return "degraded";
    case LoadVerdict::refused: return "refused";
    }
    return "?";
}

LoadVerdict CheckReport::load_verdict() const noexcept
{
    const CopyReport* loaded = chosen_copy();
    // load_entry() fails on a spare block outside the pool or used twice,
    // and a block remapped twice.
    if (!loaded || loaded->outside_pool != 0 || loaded->duplicate_blocks != 0)
        return LoadVerdict::refused;
    for (const CopyReport& c : copies)
        if (c.status != CopyStatus::ok)
            return LoadVerdict::degraded;
    return LoadVerdict::ok;
}

std::uint64_t CheckReport::newest_seq() const noexcept
{
    return std::max(copies[0].newest_seq, copies[1].newest_seq);
}

std::vector<SuperblockFault> superblock_field_faults(const Superblock& sb, unsigned copy,
                                                     std::uint64_t device_sectors)
{
    std::vector<SuperblockFault> faults;
    if (sb.magic != superblock_magic)
        faults.push_back({SuperblockField::magic, "magic is " + hex(sb.magic) + ", not \"DRMP\""});
    field_faults(sb, copy, device_sectors, faults);
    return faults;
}

std::vector<SuperblockFault> superblock_faults(const RawBlock& raw, unsigned copy,
                                               std::uint64_t device_sectors)
{
    const Superblock sb = decode_superblock(raw);
    const std::uint32_t crc = computed_crc(raw);
    if (sb.crc != crc) {
        return {{SuperblockField::crc,
                 "stored CRC " + hex(sb.crc) + " but the block's CRC-32C is " + hex(crc)}};
    }
    return superblock_field_faults(sb, copy, device_sectors);
}

std::optional<EntryFault> kernel_entry_fault(const Entry& e, std::uint64_t target_blocks,
                                             std::uint32_t block_size)
{
    if (e.is_free()) {
        if (e.flags != 0)
            return EntryFault{EntryField::flags, "free entry with flags " + hex(e.flags)};
        return std::nullopt;
    }
    if (e.block >= target_blocks) {
        return EntryFault{EntryField::block, "block " + n(e.block) + " is beyond the target's " +
                                                 n(target_blocks) + " blocks"};
    }
    if (e.reserved != 0)
        return EntryFault{EntryField::reserved, "reserved is " + hex(e.reserved) + ", not 0"};
    if ((e.flags & ~known_flags) != 0)
        return EntryFault{EntryField::flags, "unknown flags " + hex(e.flags & ~known_flags)};
    // Checked whether LOST is set or not.
    const auto mask = lost_mask(block_size);
    if ((e.lost[0] & ~mask[0]) != 0 || (e.lost[1] & ~mask[1]) != 0) {
        return EntryFault{EntryField::lost, "sectors beyond the " + n(block_size / 512) +
                                                " of a block are marked lost"};
    }
    return std::nullopt;
}

namespace {

// A valid superblock, else a damaged one, else a read error.
int rank(SuperblockStatus status)
{
    switch (status) {
    case SuperblockStatus::valid: return 0;
    case SuperblockStatus::damaged: return 1;
    case SuperblockStatus::unreadable: return 2;
    default: return 3;
    }
}

using Faults = std::array<std::vector<SuperblockFault>, nr_copies>;

// The best superblock for copy 1 at any of sectors into c1.
void inspect_candidates(MetadataImage& image, CopyReport& c1, std::vector<SuperblockFault>& faults,
                        const std::vector<std::uint64_t>& sectors, std::uint64_t device_sectors)
{
    std::optional<CopyReport> best;
    std::vector<SuperblockFault> best_faults;
    for (const std::uint64_t sector : sectors) {
        CopyReport candidate;
        candidate.copy = 1;
        std::vector<SuperblockFault> candidate_faults;
        inspect_superblock(image, candidate, sector, device_sectors, candidate_faults);
        if (!best || rank(candidate.superblock_status) < rank(best->superblock_status)) {
            best = candidate;
            best_faults = candidate_faults;
        }
    }
    if (best) {
        best->searched = c1.searched;
        c1 = *best;
        faults = best_faults;
    }
}

// Without a valid copy 0, copy 1 is where the layout of some block size
// puts it, or where a damaged copy 0 says.
void search_copy1(MetadataImage& image, CheckReport& report, Faults& faults)
{
    const std::uint64_t device_sectors = report.size_bytes / 512;
    const CopyReport& c0 = report.copies[0];
    CopyReport& c1 = report.copies[1];
    c1.searched = computed_copy1_sectors(device_sectors);
    // A damaged copy 0 may still say where copy 1 is (on a spare that
    // grew since it was formatted, the layout puts it elsewhere).
    if (c0.superblock) {
        const std::uint64_t hint = c0.superblock->copy_offset[1];
        if (hint != 0 && hint < device_sectors &&
            std::find(c1.searched.begin(), c1.searched.end(), hint) == c1.searched.end())
            c1.searched.insert(c1.searched.begin(), hint);
    }
    inspect_candidates(image, c1, faults[1], c1.searched, device_sectors);
}

// Copy 1 found nowhere the kernel looks: a scan of the whole device for
// its metadata blocks (a spare that grew after copy 0 was lost).
void scan_for_copy1(MetadataImage& image, CheckReport& report, Faults& faults)
{
    const std::uint64_t device_sectors = report.size_bytes / 512;
    CopyReport& c1 = report.copies[1];
    report.scan = scan_for_metadata(image);
    if (report.scan->read_errors)
        report.read_errors += report.scan->read_errors;
    std::vector<std::uint64_t> found;
    for (const std::uint64_t sector : report.scan->copy1_sectors)
        if (std::find(c1.searched.begin(), c1.searched.end(), sector) == c1.searched.end())
            found.push_back(sector);
    if (found.empty())
        return;
    CopyReport scanned = c1;
    std::vector<SuperblockFault> scanned_faults;
    inspect_candidates(image, scanned, scanned_faults, found, device_sectors);
    if (scanned.superblock) {
        scanned.found_by_scan = true;
        scanned.searched.insert(scanned.searched.end(), found.begin(), found.end());
        c1 = scanned;
        faults[1] = scanned_faults;
    }
}

void locate_copies(MetadataImage& image, CheckReport& report, Faults& faults)
{
    const std::uint64_t device_sectors = report.size_bytes / 512;
    CopyReport& c0 = report.copies[0];
    CopyReport& c1 = report.copies[1];
    inspect_superblock(image, c0, 0, device_sectors, faults[0]);
    if (c0.superblock_valid()) {
        inspect_superblock(image, c1, c0.superblock->copy_offset[1], device_sectors, faults[1]);
        c1.searched = {*c1.sector};
    } else {
        search_copy1(image, report, faults);
        if (!c1.superblock)
            scan_for_copy1(image, report, faults);
    }
    for (CopyReport* c : {&c0, &c1})
        if (c->superblock_status == SuperblockStatus::unreadable)
            ++report.read_errors;
    // The kernel follows copy_offset[1] of the superblock it adopts.
    if (c1.superblock_valid() && c1.superblock->copy_offset[1] != *c1.sector) {
        c1.superblock_status = SuperblockStatus::damaged;
        faults[1].push_back({SuperblockField::copy_offset_1,
                             "says copy 1 is at sector " + n(c1.superblock->copy_offset[1]) +
                                 " but it was found at sector " + n(*c1.sector)});
    }
}

// No superblock, no table block: blank, or somebody else's data.
bool describe_no_metadata(CheckReport& report, Collector& out)
{
    const CopyReport& c0 = report.copies[0];
    const CopyReport& c1 = report.copies[1];
    const bool any_magic = c0.superblock.has_value() || c1.superblock.has_value();
    if (any_magic || c0.superblock_status != SuperblockStatus::absent ||
        c1.superblock_status == SuperblockStatus::unreadable)
        return false;
    if (report.scan && !report.scan->empty()) {
        std::vector<std::uint64_t> sectors = report.scan->superblock_sectors;
        sectors.insert(sectors.end(), report.scan->table_sectors.begin(),
                       report.scan->table_sectors.end());
        std::sort(sectors.begin(), sectors.end());
        out.general(Severity::damage,
                    "no dm-remap superblock where the kernel looks, but dm-remap metadata blocks "
                    "at sectors " + number_list(sectors) +
                        ": the superblocks are lost (a target would format this spare and lose "
                        "its table; keep it away from one)");
        return true;
    }
    report.no_metadata = true;
    report.blank = c0.blank;
    out.general(Severity::damage,
                report.blank
                    ? "no dm-remap metadata anywhere on the device: the spare is blank (a target "
                      "formats it when it is first used)"
                    : "no dm-remap metadata: the first 4 KiB hold other data (the target "
                      "refuses such a spare)");
    return true;
}

void compare_superblocks(CheckReport& report, Collector& out, std::vector<Problem>& layout)
{
    const CopyReport& c0 = report.copies[0];
    const CopyReport& c1 = report.copies[1];
    report.uuid_conflict = c0.superblock_valid() && c1.superblock_valid() &&
                           c0.superblock->uuid != c1.superblock->uuid;
    if (report.uuid_conflict) {
        out.general(Severity::damage,
                    "copies 0 and 1 belong to different metadata sets (uuid " +
                        uuid_to_string(c0.superblock->uuid) + " and " +
                        uuid_to_string(c1.superblock->uuid) + "): the kernel refuses the spare");
    } else if (c0.superblock_valid() && c1.superblock_valid()) {
        compare_fixed_fields(report, out, layout);
    }
}

// The kernel loads the consistent copy with the highest seq, copy 0 on a
// tie; it never sees a copy found only by a scan.
void choose_copy(CheckReport& report)
{
    if (report.uuid_conflict)
        return;
    for (const CopyReport& c : report.copies) {
        if (!c.consistent || c.found_by_scan)
            continue;
        if (!report.chosen || c.superblock->seq > report.copies[*report.chosen].superblock->seq)
            report.chosen = c.copy;
    }
}

void classify_consistent(const CheckReport& report, CopyReport& c, Collector& out)
{
    const CopyReport* chosen = report.chosen_copy();
    if (!chosen) {
        c.status = CopyStatus::ok;  // found by a scan only; reported on its own
        return;
    }
    c.status = c.superblock->seq < chosen->superblock->seq ? CopyStatus::stale : CopyStatus::ok;
    if (c.status == CopyStatus::stale) {
        out.copy(Severity::note, c.copy,
                 "stale: it holds seq " + n(c.superblock->seq) + ", copy " + n(chosen->copy) +
                     " holds seq " + n(chosen->superblock->seq) +
                     " (a commit did not reach it); the kernel rewrites it at its next commit");
    }
}

void classify_damaged(const CheckReport& report, CopyReport& c, Collector& out)
{
    const CopyReport* chosen = report.chosen_copy();
    c.status = CopyStatus::damaged;
    if (chosen && c.superblock_valid() && !report.uuid_conflict &&
        c.superblock->seq > chosen->superblock->seq) {
        out.copy(Severity::damage, c.copy,
                 "holds seq " + n(c.superblock->seq) + " but is damaged; copy " + n(chosen->copy) +
                     " holds only seq " + n(chosen->superblock->seq) +
                     ", so the commits after it are lost unless dmremap metadata repair "
                     "salvages them");
    }
}

void classify_copies(CheckReport& report, Collector& out)
{
    for (CopyReport& c : report.copies) {
        if (!c.superblock) {
            c.status = CopyStatus::missing;
            if (c.superblock_status != SuperblockStatus::unreadable)
                describe_missing(report, c, out);
        } else if (c.consistent && !report.uuid_conflict) {
            classify_consistent(report, c, out);
        } else if (c.superblock_valid() && c.damaged_blocks.empty() && !c.torn_blocks.empty() &&
                   !report.uuid_conflict) {
            c.status = CopyStatus::torn;
            describe_torn(report, c, out);
        } else {
            classify_damaged(report, c, out);
        }
        if (c.superblock_status == SuperblockStatus::unreadable)
            c.status = CopyStatus::damaged;
    }
}

// A copy the kernel does not find, found by the scan.
void describe_found_by_scan(const CheckReport& report, Collector& out)
{
    const CopyReport& c1 = report.copies[1];
    if (!c1.found_by_scan)
        return;
    out.copy(Severity::damage, 1,
             "found only by a scan of the whole device, at sector " + n(*c1.sector) +
                 ": the kernel looks for copy 1 only where this device's size puts it (sectors " +
                 number_list(computed_copy1_sectors(report.size_bytes / 512)) +
                 "), so a target would not find it" +
                 (report.copies[0].blank ? " and would format the spare, losing the table" : "") +
                 "; dmremap metadata repair writes copy 0 to point at it");
}

// The highest format version of a superblock with a good CRC.
std::uint32_t newest_version(const CheckReport& report)
{
    std::uint32_t version = 0;
    for (const CopyReport& c : report.copies)
        if (c.superblock && c.crc_ok)
            version = std::max(version, c.superblock->version);
    return version;
}

void final_verdict(const CheckReport& report, Collector& out)
{
    const CopyReport* chosen = report.chosen_copy();
    const std::uint64_t device_sectors = report.size_bytes / 512;
    if (!chosen) {
        if (report.newer_format) {
            out.general(Severity::damage,
                        "the metadata was written by a newer dm-remap (on-disk format version " +
                            n(newest_version(report)) + "; this tool reads " + n(format_version) +
                            "): upgrade dmremap; do not repair or restore over it");
        } else if (!report.uuid_conflict) {
            out.general(Severity::damage,
                        "no consistent metadata copy the kernel would load: it refuses this spare "
                        "(dmremap metadata repair rebuilds what can be trusted; dmremap metadata "
                        "dump --salvage shows it first)");
        }
    } else if (chosen->superblock->spare_sectors != device_sectors) {
        out.general(Severity::note,
                    "the metadata was made for a spare of " + n(chosen->superblock->spare_sectors) +
                        " sectors; this one has " + n(device_sectors) +
                        " (if copy 0 is lost, the kernel looks for copy 1 where this size puts it)");
    }
}

// A copy the kernel does not load but rewrites at its next commit, losing
// nothing: its superblock is valid and no newer than the loaded copy's.
// What is wrong in its table is a note.
bool rewritten_by_kernel(const CheckReport& report, const CopyReport& c)
{
    const CopyReport* chosen = report.chosen_copy();
    return chosen && chosen->copy != c.copy && c.superblock_valid() && !report.uuid_conflict &&
           c.superblock->seq <= chosen->superblock->seq;
}

// The tables of the copies with a valid superblock, which copy the kernel
// loads, and what the kernel expects of its entries.
void check_tables(MetadataImage& image, CheckReport& report, Collector& out)
{
    std::array<TableScanner::Remaps, nr_copies> remaps;
    // Each copy's table problems, until the copy the kernel loads is known.
    std::array<CheckReport, nr_copies> found;
    for (CopyReport& c : report.copies) {
        if (c.superblock_valid() && !c.layout_differs) {
            Collector scratch(found[c.copy]);
            TableScanner(image, report, c, scratch).scan(remaps[c.copy]);
        }
    }
    choose_copy(report);

    for (CopyReport& c : report.copies) {
        const bool discarded = rewritten_by_kernel(report, c);
        out.merge(found[c.copy], discarded);
        if (c.consistent)
            check_remaps(c, out, remaps[c.copy], discarded ? Severity::note : Severity::damage);
        remaps[c.copy].clear();
    }
    const CopyReport& c0 = report.copies[0];
    const CopyReport& c1 = report.copies[1];
    if (c0.consistent && c1.consistent && c0.superblock->seq == c1.superblock->seq &&
        !report.uuid_conflict)
        compare_same_seq(image, c0, c1, out);
}

}  // namespace

CheckReport check_metadata(MetadataImage& image)
{
    CheckReport report;
    report.device = image.name();
    report.size_bytes = image.size_bytes();
    Collector out(report);
    report.copies[0].copy = 0;
    report.copies[1].copy = 1;

    if (report.size_bytes < block_bytes) {
        out.general(Severity::damage, "the device is " + n(report.size_bytes) +
                                          " bytes: too small to hold a metadata block");
        report.copies[0].sector = 0;
        report.copies[0].superblock_status = SuperblockStatus::beyond_end;
        return report;
    }

    Faults faults;
    locate_copies(image, report, faults);
    if (describe_no_metadata(report, out))
        return report;
    report.newer_format = newest_version(report) > format_version;
    for (CopyReport& c : report.copies) {
        if (c.superblock_status == SuperblockStatus::damaged ||
            c.superblock_status == SuperblockStatus::unreadable)
            report_superblock_faults(out, c, faults[c.copy]);
    }
    std::vector<Problem> layout;
    compare_superblocks(report, out, layout);

    check_tables(image, report, out);
    for (const Problem& p : layout) {
        out.add(rewritten_by_kernel(report, report.copies[*p.copy]) ? Severity::note
                                                                     : Severity::damage,
                p.copy, p.meta_block, p.offset, p.field, p.message);
    }
    classify_copies(report, out);
    describe_found_by_scan(report, out);
    final_verdict(report, out);
    return report;
}

MetadataScan scan_for_metadata(MetadataImage& image)
{
    constexpr std::size_t chunk_blocks = 256;  // 1 MiB per read
    constexpr std::size_t max_listed = 64;
    MetadataScan scan;
    const std::uint64_t blocks = image.size_bytes() / block_bytes;
    std::vector<std::uint8_t> chunk(chunk_blocks * block_bytes);
    auto note = [](std::vector<std::uint64_t>& list, std::uint64_t sector) {
        if (list.size() < max_listed && std::find(list.begin(), list.end(), sector) == list.end())
            list.push_back(sector);
    };
    for (std::uint64_t first = 0; first < blocks; first += chunk_blocks) {
        const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_blocks, blocks - first));
        const std::span<std::uint8_t> bytes(chunk.data(), count * block_bytes);
        if (image.read(first * block_bytes, bytes) != 0) {
            ++scan.read_errors;
            continue;
        }
        for (std::size_t b = 0; b < count; ++b) {
            RawBlock raw;
            std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(b * block_bytes), block_bytes, raw.begin());
            const std::uint64_t sector = (first + b) * block_sectors;
            const std::uint32_t magic = magic_of(raw);
            if (magic == superblock_magic) {
                note(scan.superblock_sectors, sector);
                if (decode_superblock(raw).copy == 1)
                    note(scan.copy1_sectors, sector);
            } else if (magic == table_magic && stored_crc(raw) == computed_crc(raw)) {
                const TableHeader h = decode_table_block(raw).header;
                note(scan.table_sectors, sector);
                const std::uint64_t back = (1 + h.index) * block_sectors;
                if (h.copy == 1 && h.index < blocks && back <= sector)
                    note(scan.copy1_sectors, sector - back);
            }
        }
    }
    return scan;
}

void for_each_remap(MetadataImage& image, const CopyReport& copy,
                    const std::function<void(std::uint64_t, const Entry&)>& fn)
{
    const Superblock& sb = *copy.superblock;
    const std::uint64_t blocks = used_table_blocks(sb.table_used);
    for (std::uint64_t i = 0; i < blocks; ++i) {
        const std::uint64_t offset = meta_block_offset(*copy.sector, 1 + i);
        const BlockRead read = read_block(image, offset);
        if (!read.ok()) {
            throw OperationError("read table block " + std::to_string(i) + " of copy " +
                                     std::to_string(copy.copy) + " of",
                                 image.name(),
                                 read.status == BlockRead::Status::io_error
                                     ? errno_text(read.error_code)
                                     : "beyond the end of the device",
                                 read.error_code);
        }
        for (std::size_t k = 0; k < entries_per_block; ++k) {
            const Entry e = decode_entry(read.block, k);
            if (!e.is_free())
                fn(i * entries_per_block + k, e);
        }
    }
}

}  // namespace dmremap::metadata
