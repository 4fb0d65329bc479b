#include "lost_files_render.hpp"

#include <algorithm>

namespace dmremap::cli {

std::string sector_ranges(const std::vector<std::uint64_t>& sectors)
{
    std::string text;
    for (std::size_t i = 0; i < sectors.size();) {
        std::size_t j = i;
        while (j + 1 < sectors.size() && sectors[j + 1] == sectors[j] + 1)
            ++j;
        text += (text.empty() ? "" : ",") + std::to_string(sectors[i]);
        if (j > i)
            text += "-" + std::to_string(sectors[j]);
        i = j + 1;
    }
    return text;
}

Json lost_files_json(const DeviceId& id, const LostFilesReport& report)
{
    Json document = device_document(id);
    document["filesystem"] = report.owners.filesystem.empty() ? Json(nullptr) : Json(report.owners.filesystem);
    Json blocks = Json::array();
    for (const LostBlock& b : report.blocks) {
        Json block;
        block["block"] = b.block;
        block["spare_block"] = b.spare_block;
        block["flags"] = b.flags;
        block["lost_sectors"] = b.sectors;
        blocks.push_back(std::move(block));
    }
    document["blocks"] = std::move(blocks);
    Json files = Json::array();
    for (const LostFile& f : report.owners.files) {
        Json file;
        file["inode"] = f.inode;
        file["paths"] = f.paths;
        file["lost_sectors"] = f.sectors;
        files.push_back(std::move(file));
    }
    document["files"] = std::move(files);
    Json unowned = Json::array();
    for (const auto& [sector, what] : report.owners.unowned) {
        Json entry;
        entry["sector"] = sector;
        entry["what"] = what;
        unowned.push_back(std::move(entry));
    }
    document["unowned"] = std::move(unowned);
    return document;
}

void write_lost_files_text(std::ostream& out, const LostFilesReport& report)
{
    for (const LostFile& f : report.owners.files) {
        std::string names;
        for (const std::string& path : f.paths)
            names += (names.empty() ? "" : " ") + path;
        if (names.empty())
            names = "(no name)";
        out << names << " (inode " << f.inode << "): sectors " << sector_ranges(f.sectors) << '\n';
    }
    // Grouped by what they are, in sector order within each.
    std::vector<std::pair<std::string, std::vector<std::uint64_t>>> groups;
    for (const auto& [sector, what] : report.owners.unowned) {
        auto group = std::find_if(groups.begin(), groups.end(),
                                  [&what](const auto& g) { return g.first == what; });
        if (group == groups.end())
            group = groups.insert(groups.end(), {what, {}});
        group->second.push_back(sector);
    }
    for (const auto& [what, sectors] : groups)
        out << "(no file: " << what << "): sectors " << sector_ranges(sectors) << '\n';
}

}  // namespace dmremap::cli
