#include "metadata_json.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "error.hpp"
#include "metadata_geometry.hpp"
#include "metadata_write.hpp"

namespace dmremap::metadata {

namespace {

using Json = nlohmann::ordered_json;

Json superblock_json(const Superblock& sb)
{
    Json j;
    j["crc"] = sb.crc;
    j["magic"] = sb.magic;
    j["version"] = sb.version;
    j["copy"] = sb.copy;
    j["seq"] = sb.seq;
    j["uuid"] = uuid_to_string(sb.uuid);
    j["block_size"] = sb.block_size;
    j["meta_block_size"] = sb.meta_block_size;
    j["main_sectors"] = sb.main_sectors;
    j["spare_sectors"] = sb.spare_sectors;
    j["copy_offset"] = Json::array({sb.copy_offset[0], sb.copy_offset[1]});
    j["copy_sectors"] = sb.copy_sectors;
    j["table_blocks"] = sb.table_blocks;
    j["pool_offset"] = sb.pool_offset;
    j["pool_blocks"] = sb.pool_blocks;
    j["table_used"] = sb.table_used;
    j["nr_remaps"] = sb.nr_remaps;
    j["format_time"] = sb.format_time;
    j["commit_time"] = sb.commit_time;
    return j;
}

Json salvage_json(const SalvageResult& salvage)
{
    Json j;
    j["superblock"] = salvage.superblock_notes;
    j["recovered"] = salvage.entries.size();
    j["unrecovered_count"] = salvage.unrecovered_count;
    Json list = Json::array();
    for (const Unrecovered& u : salvage.unrecovered) {
        Json item;
        item["copy"] = u.copy ? Json(*u.copy) : Json(nullptr);
        item["table_block"] = u.table_block ? Json(*u.table_block) : Json(nullptr);
        item["spare_block"] = u.spare_block ? Json(*u.spare_block) : Json(nullptr);
        item["reason"] = u.reason;
        list.push_back(std::move(item));
    }
    j["unrecovered"] = std::move(list);
    return j;
}

// Indents a dumped JSON value's continuation lines by prefix.
std::string indented(const Json& value, const std::string& prefix)
{
    std::string text = value.dump(2);
    std::string out;
    for (const char c : text) {
        out += c;
        if (c == '\n')
            out += prefix;
    }
    return out;
}

std::string n(std::uint64_t value)
{
    return std::to_string(value);
}

[[noreturn]] void bad(const std::string& where, const std::string& problem)
{
    throw ParseError("dump field '" + where + "'", problem);
}

const Json& member(const Json& object, const std::string& where, const char* key)
{
    const auto it = object.find(key);
    if (it == object.end())
        bad(where.empty() ? key : where + "." + key, "missing");
    return *it;
}

std::uint64_t unsigned_value(const Json& value, const std::string& where,
                             std::uint64_t max = std::numeric_limits<std::uint64_t>::max())
{
    if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
        bad(where, "must be a non-negative integer");
    const auto number = value.get<std::uint64_t>();
    if (number > max)
        bad(where, n(number) + " exceeds " + n(max));
    return number;
}

void only_keys(const Json& object, const std::string& where,
               std::initializer_list<std::string_view> keys)
{
    if (!object.is_object())
        bad(where, "must be an object");
    for (const auto& item : object.items()) {
        if (std::find(keys.begin(), keys.end(), item.key()) == keys.end())
            bad(where + "." + item.key(), "unknown key");
    }
}

Superblock parse_superblock(const Json& j)
{
    const std::string where = "superblock";
    only_keys(j, where,
              {"crc", "magic", "version", "copy", "seq", "uuid", "block_size", "meta_block_size",
               "main_sectors", "spare_sectors", "copy_offset", "copy_sectors", "table_blocks",
               "pool_offset", "pool_blocks", "table_used", "nr_remaps", "format_time",
               "commit_time"});
    auto u64 = [&](const char* key) { return unsigned_value(member(j, where, key), where + "." + key); };
    constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();

    Superblock sb;
    sb.magic = superblock_magic;
    sb.version = format_version;
    sb.meta_block_size = block_bytes;
    if (j.contains("magic") && unsigned_value(j["magic"], where + ".magic") != superblock_magic)
        bad(where + ".magic", "is not the dm-remap magic " + n(superblock_magic));
    if (j.contains("version") &&
        unsigned_value(j["version"], where + ".version") != format_version)
        bad(where + ".version", "format version " + n(format_version) + " is the only one known");
    if (j.contains("meta_block_size") &&
        unsigned_value(j["meta_block_size"], where + ".meta_block_size") != block_bytes)
        bad(where + ".meta_block_size", "must be " + n(block_bytes));
    for (const char* key : {"crc", "copy", "commit_time"})
        if (j.contains(key))
            unsigned_value(j[key], where + "." + key);

    sb.seq = u64("seq");
    const Json& uuid = member(j, where, "uuid");
    if (!uuid.is_string() || !uuid_from_string(uuid.get<std::string>(), sb.uuid))
        bad(where + ".uuid", "must be a UUID like 01234567-89ab-cdef-0123-456789abcdef");
    sb.block_size = static_cast<std::uint32_t>(
        unsigned_value(member(j, where, "block_size"), where + ".block_size", u32_max));
    if (!is_valid_block_size(sb.block_size))
        bad(where + ".block_size", "must be a power of two from 512 to 65536");
    sb.main_sectors = u64("main_sectors");
    sb.spare_sectors = u64("spare_sectors");
    const Json& offsets = member(j, where, "copy_offset");
    if (!offsets.is_array() || offsets.size() != nr_copies)
        bad(where + ".copy_offset", "must be an array of 2 sectors");
    for (std::size_t i = 0; i < nr_copies; ++i)
        sb.copy_offset[i] = unsigned_value(offsets[i], where + ".copy_offset[" + n(i) + "]");
    sb.copy_sectors = u64("copy_sectors");
    sb.table_blocks = u64("table_blocks");
    sb.pool_offset = u64("pool_offset");
    sb.pool_blocks = u64("pool_blocks");
    sb.table_used = u64("table_used");
    sb.nr_remaps = j.contains("nr_remaps") ? u64("nr_remaps") : 0;
    sb.format_time = u64("format_time");

    // The layout, apart from where the device ends.
    for (const GeometryFault& fault :
         geometry_faults(sb, std::numeric_limits<std::uint64_t>::max())) {
        bad(where + "." + field(fault.field).name, fault.reason);
    }
    if (main_blocks(sb) == 0)
        bad(where + ".main_sectors", "the target must hold at least one block");
    return sb;
}

Entry parse_remap(const Json& j, const std::string& where, const Superblock& sb,
                  std::uint64_t& spare)
{
    only_keys(j, where, {"block", "spare_block", "flags", "lost", "source"});
    Entry e;
    e.block = unsigned_value(member(j, where, "block"), where + ".block");
    if (e.block >= main_blocks(sb)) {
        bad(where + ".block", "block " + n(e.block) + " is beyond the target's " +
                                  n(main_blocks(sb)) + " blocks");
    }
    spare = unsigned_value(member(j, where, "spare_block"), where + ".spare_block");
    if (spare >= sb.table_used) {
        bad(where + ".spare_block",
            "spare block " + n(spare) + " is not below table_used " + n(sb.table_used));
    }

    const Json& flags = member(j, where, "flags");
    if (!flags.is_array())
        bad(where + ".flags", "must be an array of flag names");
    for (std::size_t i = 0; i < flags.size(); ++i) {
        const std::string at = where + ".flags[" + n(i) + "]";
        if (!flags[i].is_string())
            bad(at, "must be \"lost\" or \"auto\"");
        const std::string name = flags[i].get<std::string>();
        const std::uint32_t bit = name == "lost" ? flag_lost : name == "auto" ? flag_auto : 0;
        if (bit == 0)
            bad(at, "unknown flag '" + name + "' (known: lost, auto)");
        if (e.flags & bit)
            bad(at, "flag '" + name + "' given twice");
        e.flags |= bit;
    }

    const Json& lost = member(j, where, "lost");
    if (!lost.is_array())
        bad(where + ".lost", "must be an array of sector numbers");
    const std::uint64_t sectors = sb.block_size / 512;
    for (std::size_t i = 0; i < lost.size(); ++i) {
        const std::string at = where + ".lost[" + n(i) + "]";
        const std::uint64_t sector = unsigned_value(lost[i], at);
        if (sector >= sectors)
            bad(at, "sector " + n(sector) + " is beyond the " + n(sectors) + " of a block");
        const std::uint64_t bit = std::uint64_t{1} << (sector % 64);
        if (e.lost[sector / 64] & bit)
            bad(at, "sector " + n(sector) + " given twice");
        e.lost[sector / 64] |= bit;
    }
    if (((e.flags & flag_lost) != 0) != e.has_lost_sectors()) {
        bad(where + ".flags", e.has_lost_sectors()
                                  ? "sectors are lost, so the flags must include \"lost\""
                                  : "flag \"lost\" needs at least one sector in \"lost\"");
    }
    return e;
}

}  // namespace

std::vector<std::string> flag_names(std::uint32_t flags)
{
    std::vector<std::string> names;
    if (flags & flag_lost)
        names.emplace_back("lost");
    if (flags & flag_auto)
        names.emplace_back("auto");
    if (flags & ~known_flags) {
        char text[16];
        std::snprintf(text, sizeof text, "0x%x", flags & ~known_flags);
        names.emplace_back(text);
    }
    return names;
}

std::vector<unsigned> lost_sectors(const Entry& entry)
{
    std::vector<unsigned> sectors;
    for (unsigned s = 0; s < max_sectors_per_block; ++s)
        if (entry.lost[s / 64] & (std::uint64_t{1} << (s % 64)))
            sectors.push_back(s);
    return sectors;
}

DumpWriter::DumpWriter(std::ostream& out, const CheckReport& report) : out_(out)
{
    const CopyReport* chosen = report.chosen_copy();
    if (!chosen)
        throw std::logic_error("a dump needs a consistent copy");
    // As the kernel loads it: it loads entries in use beyond table_used,
    // and does not check nr_remaps.
    Superblock sb = *chosen->superblock;
    sb.table_used = std::max(sb.table_used, chosen->highest_used_spare);
    sb.nr_remaps = chosen->remaps;
    begin(report, sb, chosen->copy, nullptr);
}

DumpWriter::DumpWriter(std::ostream& out, const CheckReport& report, const SalvageResult& salvage)
    : out_(out)
{
    if (!salvage.possible())
        throw std::logic_error("a salvage dump needs a superblock");
    begin(report, *salvage.superblock, std::nullopt, &salvage);
}

void DumpWriter::begin(const CheckReport& report, const Superblock& superblock,
                       std::optional<unsigned> chosen, const SalvageResult* salvage)
{
    block_size_ = superblock.block_size;
    Json copies = Json::array();
    for (const CopyReport& c : report.copies) {
        Json copy;
        copy["copy"] = c.copy;
        copy["sector"] = c.sector ? Json(*c.sector) : Json(nullptr);
        copy["status"] = to_string(c.status);
        copy["superblock"] = c.superblock ? superblock_json(*c.superblock) : Json(nullptr);
        copies.push_back(std::move(copy));
    }
    out_ << "{\n  \"format\": " << Json(dump_format).dump()
         << ",\n  \"format_version\": " << dump_format_version
         << ",\n  \"source\": " << Json(report.device).dump()
         << ",\n  \"size_bytes\": " << report.size_bytes
         << ",\n  \"chosen_copy\": " << (chosen ? Json(*chosen) : Json(nullptr)).dump()
         << ",\n  \"superblock\": " << indented(superblock_json(superblock), "  ")
         << ",\n  \"copies\": " << indented(copies, "  ");
    if (salvage)
        out_ << ",\n  \"salvage\": " << indented(salvage_json(*salvage), "  ");
    out_ << ",\n  \"remaps\": [";
}

void DumpWriter::add(std::uint64_t spare_block, const Entry& raw, const RemapSource* source)
{
    // As the kernel loads it: lost sectors only with the LOST flag.
    const Entry entry = normalized(raw, block_size_);
    Json remap;
    remap["block"] = entry.block;
    remap["spare_block"] = spare_block;
    remap["flags"] = flag_names(entry.flags);
    remap["lost"] = lost_sectors(entry);
    if (source) {
        Json from;
        from["copies"] = source->copies;
        from["table_block"] = source->table_block;
        from["seq"] = source->seq;
        from["crc_ok"] = source->crc_ok;
        remap["source"] = std::move(from);
    }
    out_ << (first_ ? "\n    " : ",\n    ") << remap.dump();
    first_ = false;
}

void DumpWriter::finish()
{
    out_ << (first_ ? "]\n}\n" : "\n  ]\n}\n");
    out_.flush();
}

namespace {

// JSON allows a key twice in one object and keeps the last: a dump that
// does is ambiguous, so it is refused. The check is a SAX pass of its own,
// in time linear in the document: nlohmann's parser callback looks through
// the enclosing array at the end of each object, which made a dump of 1M
// remaps take hours to parse.
class DuplicateKeyCheck : public nlohmann::json_sax<Json> {
public:
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override
    {
        open_objects_.emplace_back();
        return true;
    }
    bool key(string_t& name) override
    {
        if (!open_objects_.back().insert(name).second) {
            throw ParseError("dump", "key '" + name + "' appears twice in one object (depth " +
                                         std::to_string(open_objects_.size()) + ")");
        }
        return true;
    }
    bool end_object() override
    {
        open_objects_.pop_back();
        return true;
    }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    // The document is parsed again for its values, and that parse reports
    // the syntax error with its position.
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override
    {
        return false;
    }

private:
    std::vector<std::set<std::string>> open_objects_;
};

Json parse_refusing_duplicate_keys(std::istream& in)
{
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    DuplicateKeyCheck check;
    Json::sax_parse(text, &check);
    return Json::parse(text);
}

}  // namespace

Dump parse_dump(std::istream& in)
{
    Json document;
    try {
        document = parse_refusing_duplicate_keys(in);
    } catch (const Json::exception& error) {
        // parse_error, and out_of_range for a number too large for a double.
        throw ParseError("dump", std::string("not valid JSON: ") + error.what());
    }
    only_keys(document, "(document)",
              {"format", "format_version", "source", "size_bytes", "chosen_copy", "superblock",
               "copies", "salvage", "remaps"});
    const Json& format = member(document, "", "format");
    if (!format.is_string() || format.get<std::string>() != dump_format)
        bad("format", "must be \"" + std::string(dump_format) + "\"");
    if (unsigned_value(member(document, "", "format_version"), "format_version") !=
        dump_format_version)
        bad("format_version", "version " + n(dump_format_version) + " is the only one known");

    Dump dump;
    dump.superblock = parse_superblock(member(document, "", "superblock"));
    const Superblock& sb = dump.superblock;

    const Json& remaps = member(document, "", "remaps");
    if (!remaps.is_array())
        bad("remaps", "must be an array");
    dump.remaps.reserve(remaps.size());
    std::vector<std::pair<std::uint64_t, std::size_t>> blocks;  // block, index in the dump
    for (std::size_t i = 0; i < remaps.size(); ++i) {
        std::uint64_t spare = 0;
        Entry e = parse_remap(remaps[i], "remaps[" + n(i) + "]", sb, spare);
        blocks.emplace_back(e.block, i);
        dump.remaps.emplace_back(spare, e);
    }
    std::sort(blocks.begin(), blocks.end());
    for (std::size_t i = 1; i < blocks.size(); ++i) {
        if (blocks[i].first == blocks[i - 1].first) {
            bad("remaps[" + n(blocks[i].second) + "].block",
                "block " + n(blocks[i].first) + " is also remapped by remaps[" +
                    n(blocks[i - 1].second) + "]");
        }
    }
    std::stable_sort(dump.remaps.begin(), dump.remaps.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < dump.remaps.size(); ++i) {
        if (dump.remaps[i].first == dump.remaps[i - 1].first) {
            bad("remaps", "spare block " + n(dump.remaps[i].first) +
                              " is used by two remaps (blocks " +
                              n(dump.remaps[i - 1].second.block) + " and " +
                              n(dump.remaps[i].second.block) + ")");
        }
    }
    if (document["superblock"].contains("nr_remaps") && sb.nr_remaps != dump.remaps.size()) {
        bad("superblock.nr_remaps",
            "is " + n(sb.nr_remaps) + " but the dump lists " + n(dump.remaps.size()) + " remaps");
    }
    dump.superblock.nr_remaps = dump.remaps.size();
    return dump;
}

void check_dump_fits(const Dump& dump, std::uint64_t device_sectors)
{
    for (const GeometryFault& fault : geometry_faults(dump.superblock, device_sectors))
        bad("superblock." + field(fault.field).name, "does not fit the device: " + fault.reason);
}

}  // namespace dmremap::metadata
