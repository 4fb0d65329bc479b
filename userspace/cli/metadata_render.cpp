#include "metadata_render.hpp"

#include "number_list.hpp"

namespace dmremap::cli {

namespace {

using namespace dmremap::metadata;

std::string n(std::uint64_t value)
{
    return std::to_string(value);
}

std::string numbers(const std::vector<std::uint64_t>& values)
{
    return number_list(values, 8);
}

std::string copy_summary(const CheckReport& report, const CopyReport& c)
{
    std::string text = "copy " + n(c.copy);
    if (c.sector)
        text += " at sector " + n(*c.sector);
    text += ": " + std::string(to_string(c.status));
    std::vector<std::string> details;
    if (c.superblock && c.superblock_status == SuperblockStatus::valid) {
        details.push_back("seq " + n(c.superblock->seq));
        if (c.consistent)
            details.push_back(n(c.remaps) + " remaps");
    } else if (c.superblock_status != SuperblockStatus::absent &&
               c.superblock_status != SuperblockStatus::not_located) {
        details.push_back("superblock " + std::string(to_string(c.superblock_status)));
    }
    if (!c.damaged_blocks.empty())
        details.push_back("damaged table blocks " + numbers(c.damaged_blocks));
    if (!c.torn_blocks.empty())
        details.push_back("table blocks " + numbers(c.torn_blocks) + " newer than the superblock");
    if (c.layout_differs)
        details.push_back("layout differs from copy " + n(1 - c.copy) + "'s");
    if (report.chosen && *report.chosen == c.copy)
        details.push_back("the kernel loads this copy");
    for (std::size_t i = 0; i < details.size(); ++i)
        text += (i ? ", " : " (") + details[i];
    if (!details.empty())
        text += ")";
    return text;
}

Json copy_json(const CheckReport& report, const CopyReport& c)
{
    Json j;
    j["copy"] = c.copy;
    j["sector"] = c.sector ? Json(*c.sector) : Json(nullptr);
    j["status"] = to_string(c.status);
    j["superblock"] = to_string(c.superblock_status);
    j["chosen"] = report.chosen && *report.chosen == c.copy;
    j["seq"] = c.superblock ? Json(c.superblock->seq) : Json(nullptr);
    j["table_used"] = c.superblock ? Json(c.superblock->table_used) : Json(nullptr);
    j["nr_remaps"] = c.superblock ? Json(c.superblock->nr_remaps) : Json(nullptr);
    j["remaps"] = c.consistent ? Json(c.remaps) : Json(nullptr);
    j["damaged_blocks"] = c.damaged_blocks;
    j["layout_differs"] = c.layout_differs;
    j["torn_blocks"] = c.torn_blocks;
    j["found_by_scan"] = c.found_by_scan;
    if (c.copy == 1 && c.searched.size() > 1)
        j["searched"] = c.searched;
    return j;
}

Json problem_json(const Problem& p)
{
    Json j;
    j["severity"] = to_string(p.severity);
    j["copy"] = p.copy ? Json(*p.copy) : Json(nullptr);
    j["meta_block"] = p.meta_block ? Json(*p.meta_block) : Json(nullptr);
    j["offset"] = p.offset ? Json(*p.offset) : Json(nullptr);
    j["field"] = p.field.empty() ? Json(nullptr) : Json(p.field);
    j["message"] = p.message;
    return j;
}

std::string verdict(const CheckReport& report)
{
    if (report.damaged())
        return report.no_metadata ? "absent" : "damaged";
    if (report.degraded())
        return "degraded";
    return report.note_count ? "clean, with notes" : "clean";
}

Json unrecovered_json(const Unrecovered& u)
{
    Json j;
    j["copy"] = u.copy ? Json(*u.copy) : Json(nullptr);
    j["table_block"] = u.table_block ? Json(*u.table_block) : Json(nullptr);
    j["spare_block"] = u.spare_block ? Json(*u.spare_block) : Json(nullptr);
    j["reason"] = u.reason;
    return j;
}

}  // namespace

std::string describe_location(const Problem& p)
{
    std::vector<std::string> parts;
    if (p.copy)
        parts.push_back("copy " + n(*p.copy));
    if (p.meta_block) {
        parts.push_back("metadata block " + n(*p.meta_block) +
                        (*p.meta_block == 0 ? " (superblock)"
                                            : " (table block " + n(*p.meta_block - 1) + ")"));
    }
    if (p.offset)
        parts.push_back("byte " + n(*p.offset));
    if (!p.field.empty())
        parts.push_back("field " + p.field);
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i)
        text += (i ? ", " : "") + parts[i];
    return text;
}

void write_check_report_text(std::ostream& out, const CheckReport& report)
{
    out << report.device << ": dm-remap metadata " << verdict(report) << '\n';
    if (report.copies[0].superblock || report.copies[1].superblock) {
        for (const CopyReport& c : report.copies)
            out << "  " << copy_summary(report, c) << '\n';
    }
    for (const Problem& p : report.problems) {
        const std::string where = describe_location(p);
        out << "  " << to_string(p.severity) << ": " << (where.empty() ? "" : where + ": ")
            << p.message << '\n';
    }
    if (report.problems_omitted() != 0)
        out << "  (" << report.problems_omitted() << " more problems not listed)\n";
    if (report.foreign)
        out << "  the device holds: " << *report.foreign << '\n';
    if (report.no_metadata) {
        out << "  result: no dm-remap metadata\n";
    } else if (report.damaged()) {
        out << "  result: damaged (" << report.damage_count << " problem"
            << (report.damage_count == 1 ? "" : "s") << ")\n";
    } else if (const CopyReport* chosen = report.chosen_copy(); chosen && report.degraded()) {
        out << "  result: degraded: the kernel loads copy " << chosen->copy << " (seq "
            << chosen->superblock->seq << ", " << chosen->remaps << " remaps) and rewrites copy "
            << 1 - chosen->copy << " at its next commit\n";
    } else if (chosen) {
        out << "  result: clean: the kernel loads copy " << chosen->copy << " (seq "
            << chosen->superblock->seq << ", " << chosen->remaps << " remaps)\n";
    }
}

std::string_view check_state(const CheckReport& report)
{
    if (report.read_errors != 0)
        return "unreadable";
    if (report.no_metadata)
        return "no_metadata";
    if (report.damaged())
        return "damaged";
    return report.degraded() ? "degraded" : "clean";
}

int check_exit_status(const CheckReport& report)
{
    if (report.read_errors != 0)
        return exit_unreadable;
    if (report.no_metadata)
        return exit_no_metadata;
    return report.damaged() ? exit_failure : exit_success;
}

Json check_failure_json(const std::string& device, const std::string& message)
{
    Json j = json_document();
    j["device"] = device;
    j["state"] = "unreadable";
    j["error"] = message;
    return j;
}

Json check_report_json(const CheckReport& report)
{
    Json j = json_document();
    j["device"] = report.device;
    j["size_bytes"] = report.size_bytes;
    j["state"] = check_state(report);
    j["load"] = report.no_metadata ? Json(nullptr) : Json(to_string(report.load_verdict()));
    j["blank"] = report.blank;
    j["foreign"] = report.foreign ? Json(*report.foreign) : Json(nullptr);
    j["newer_format"] = report.newer_format;
    j["read_errors"] = report.read_errors;
    const CopyReport* chosen = report.chosen_copy();
    j["chosen_copy"] = chosen ? Json(chosen->copy) : Json(nullptr);
    j["seq"] = chosen ? Json(chosen->superblock->seq) : Json(nullptr);
    j["remaps"] = chosen ? Json(chosen->remaps) : Json(nullptr);
    j["uuid"] = chosen ? Json(uuid_to_string(chosen->superblock->uuid)) : Json(nullptr);
    Json copies = Json::array();
    for (const CopyReport& c : report.copies)
        copies.push_back(copy_json(report, c));
    j["copies"] = std::move(copies);
    j["damage"] = report.damage_count;
    j["notes"] = report.note_count;
    Json problems = Json::array();
    for (const Problem& p : report.problems)
        problems.push_back(problem_json(p));
    j["problems"] = std::move(problems);
    j["problems_omitted"] = report.problems_omitted();
    return j;
}

void write_repair_text(std::ostream& out, const CheckReport& before, const RepairPlan& plan,
                       const RepairOutcome& outcome)
{
    write_check_report_text(out, before);
    if (!plan.needed) {
        out << "  nothing to repair\n";
        return;
    }
    if (!plan.possible) {
        out << "  cannot repair: " << plan.refusal << '\n';
        return;
    }
    out << (outcome.written ? "  repaired:\n" : "  a repair would do this (nothing written):\n");
    for (const std::string& action : plan.actions)
        out << "    " << action << '\n';
    if (plan.lossy()) {
        out << "  what " << (outcome.written ? "it" : "a repair") << " could not keep:\n";
        for (const std::string& loss : plan.losses)
            out << "    " << loss << '\n';
        if (!outcome.written && !outcome.forced) {
            out << "  a repair that loses something needs --force (and --backup FILE keeps "
                   "what it overwrites)\n";
        }
    }
    if (outcome.backup)
        out << "  the metadata areas it overwrote are saved in " << *outcome.backup << '\n';
    if (outcome.after) {
        out << "  after the repair: " << (outcome.after->damaged() ? "still damaged" : "clean")
            << '\n';
        if (outcome.after->damaged())
            write_check_report_text(out, *outcome.after);
    }
}

Json repair_json(const CheckReport& before, const RepairPlan& plan, const RepairOutcome& outcome)
{
    Json j = json_document();
    j["device"] = before.device;
    j["before"] = check_report_json(before);
    j["needed"] = plan.needed;
    j["possible"] = plan.possible;
    j["refusal"] = plan.refusal.empty() ? Json(nullptr) : Json(plan.refusal);
    j["source_copy"] = plan.source ? Json(*plan.source) : Json(nullptr);
    j["merged"] = plan.possible && plan.needed && !plan.source && !plan.salvage;
    j["salvaged"] = plan.salvage.has_value();
    j["actions"] = plan.actions;
    j["lossy"] = plan.lossy();
    j["losses"] = plan.losses;
    j["backup"] = outcome.backup ? Json(*outcome.backup) : Json(nullptr);
    Json unrecovered = Json::array();
    if (plan.salvage)
        for (const Unrecovered& u : plan.salvage->unrecovered)
            unrecovered.push_back(unrecovered_json(u));
    j["unrecovered"] = std::move(unrecovered);
    j["written"] = outcome.written;
    j["seq"] = outcome.written ? Json(plan.seq) : Json(nullptr);
    j["remaps"] = outcome.written ? Json(outcome.remaps) : Json(nullptr);
    j["after"] = outcome.after ? check_report_json(*outcome.after) : Json(nullptr);
    return j;
}

}  // namespace dmremap::cli
