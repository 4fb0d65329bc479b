// libFuzzer target over the offline metadata tools: the checker, the dump
// writer and parser, restore and repair, on spare images made of the input.
//
// The first input byte selects what the rest is:
//   bit 7 clear: a spare image. With bit 0 set, every 4096-byte block that
//     starts like a superblock or table block gets its CRC recomputed first,
//     so that mutations reach the field checks behind the CRC.
//   bit 7 set: a dump (JSON) to parse and, when valid, restore.
// Beyond not crashing, the tools must keep their promises: a dump of a
// clean image parses and restores to the same table, a repair yields
// metadata that checks clean, a restore yields metadata that checks clean.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "error.hpp"
#include "metadata_check.hpp"
#include "metadata_geometry.hpp"
#include "metadata_image.hpp"
#include "metadata_json.hpp"
#include "metadata_repair.hpp"
#include "metadata_salvage.hpp"
#include "metadata_restore.hpp"

namespace {

using namespace dmremap::metadata;

[[noreturn]] void broken(const char* promise)
{
    std::fprintf(stderr, "metadata fuzz: broken promise: %s\n", promise);
    std::abort();
}

std::map<std::uint64_t, Entry> remaps_of(MetadataImage& image, const CheckReport& report)
{
    std::map<std::uint64_t, Entry> remaps;
    if (const CopyReport* chosen = report.chosen_copy())
        for_each_remap(image, *chosen, [&](std::uint64_t spare, const Entry& e) { remaps[spare] = e; });
    return remaps;
}

void reseal_blocks(std::vector<std::uint8_t>& bytes)
{
    for (std::size_t at = 0; at + block_bytes <= bytes.size(); at += 512) {
        RawBlock block;
        std::memcpy(block.data(), bytes.data() + at, block_bytes);
        const std::uint32_t magic = magic_of(block);
        if (magic != superblock_magic && magic != table_magic)
            continue;
        seal(block);
        std::memcpy(bytes.data() + at, block.data(), 4);
    }
}

// Restores dump onto a blank image of size bytes; it must check clean and
// hold the dump's remaps.
void restore_and_verify(const Dump& dump, std::uint64_t size)
{
    MemoryImage target{std::vector<std::uint8_t>(size)};
    const RestoreResult result = restore_metadata(target, dump, false, 1);
    const CheckReport after = check_metadata(target);
    if (after.damaged() || !after.chosen)
        broken("a restored dump checks clean");
    const auto remaps = remaps_of(target, after);
    if (remaps.size() != dump.remaps.size() || result.remaps != dump.remaps.size())
        broken("a restore writes every remap of the dump");
    for (const auto& [spare, entry] : dump.remaps) {
        const auto it = remaps.find(spare);
        if (it == remaps.end() || it->second != entry)
            broken("a restore writes each remap as the dump has it");
    }
}

void fuzz_image(std::vector<std::uint8_t> bytes)
{
    MemoryImage image(bytes);
    const CheckReport report = check_metadata(image);
    if (report.damaged() != (report.damage_count > 0) ||
        report.problems.size() > CheckReport::max_listed_problems)
        broken("the report counts what it lists");
    if (report.chosen && !report.copies[*report.chosen].consistent)
        broken("the chosen copy is consistent");
    if (!report.damaged() && !report.chosen)
        broken("a clean report has a copy to load");

    if (report.chosen) {
        std::ostringstream text;
        DumpWriter writer(text, report);
        for_each_remap(image, *report.chosen_copy(),
                       [&](std::uint64_t spare, const Entry& e) { writer.add(spare, e); });
        writer.finish();
        if (!report.damaged()) {
            std::istringstream in(text.str());
            Dump dump;
            try {
                dump = parse_dump(in);
            } catch (const dmremap::ParseError& error) {
                std::fprintf(stderr, "%s\n", error.what());
                broken("the dump of a clean image parses");
            }
            restore_and_verify(dump, bytes.size());
        }
    }

    // A salvage dump is a dump restore takes.
    const SalvageResult salvage = salvage_metadata(image, report);
    if (salvage.possible()) {
        std::ostringstream text;
        DumpWriter writer(text, report, salvage);
        for (const RecoveredEntry& e : salvage.entries)
            writer.add(e.spare_block, e.entry, &e.source);
        writer.finish();
        std::istringstream in(text.str());
        try {
            (void)parse_dump(in);
        } catch (const dmremap::ParseError& error) {
            std::fprintf(stderr, "%s\n", error.what());
            broken("a salvage dump parses");
        }
    }

    const RepairPlan plan = plan_repair(image, report);
    if (plan.needed && plan.possible) {
        const std::uint64_t remaps = apply_repair(image, plan, 1);
        const CheckReport after = check_metadata(image);
        if (after.damaged() || !after.chosen) {
            for (const Problem& p : after.problems)
                std::fprintf(stderr, "%s\n", p.message.c_str());
            broken("a repair leaves clean metadata");
        }
        if (after.copies[0].status != CopyStatus::ok || after.copies[1].status != CopyStatus::ok)
            broken("a repair leaves both copies ok");
        if (after.copies[*after.chosen].remaps != remaps)
            broken("a repair writes the remaps it says");
    } else if (!plan.needed && report.damaged()) {
        broken("damaged metadata needs a repair");
    }
}

void fuzz_dump(const std::uint8_t* data, std::size_t size)
{
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    Dump dump;
    try {
        dump = parse_dump(in);
    } catch (const dmremap::ParseError&) {
        return;
    }
    // Small layouts only: the image is allocated.
    const Superblock& sb = dump.superblock;
    const std::uint64_t end = sb.copy_offset[1] + sb.copy_sectors;
    if (end > 4096 || end < sb.copy_offset[1])
        return;
    restore_and_verify(dump, end * 512);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t mode = data[0];
    if (mode & 0x80) {
        fuzz_dump(data + 1, size - 1);
        return 0;
    }
    std::vector<std::uint8_t> bytes(data + 1, data + size);
    if (mode & 1)
        reseal_blocks(bytes);
    fuzz_image(std::move(bytes));
    return 0;
}
