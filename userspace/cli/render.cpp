#include "render.hpp"

#include <algorithm>
#include <array>

namespace dmremap::cli {

namespace {

// The twelve contract fields in order, each as text.
std::vector<std::pair<std::string_view, std::string>> status_fields(const TargetStatus& s)
{
    return {
        {"block_size", std::to_string(s.block_size)},
        {"remapped", std::to_string(s.remapped)},
        {"spare_total", std::to_string(s.spare_total)},
        {"spare_free", std::to_string(s.spare_free)},
        {"read_errors", std::to_string(s.read_errors)},
        {"write_errors", std::to_string(s.write_errors)},
        {"auto_remaps", std::to_string(s.auto_remaps)},
        {"lost_sectors", std::to_string(s.lost_sectors)},
        {"metadata_seq", std::to_string(s.metadata_seq)},
        {"metadata_state", std::string(to_string(s.metadata_state))},
        {"health_score", std::to_string(s.health_score)},
        {"health_state", std::string(to_string(s.health_state))},
    };
}


class TextRemapListWriter final : public RemapListWriter {
public:
    explicit TextRemapListWriter(std::ostream& out) : out_(out) {}

    void add(const RemapEntry& entry) override
    {
        out_ << entry.block << ' ' << entry.spare_block << ' ' << entry.flags << '\n';
    }
    void finish() override { out_.flush(); }

private:
    std::ostream& out_;
};

// The same document status_json-style functions would build, written one
// remap per line.
class JsonRemapListWriter final : public RemapListWriter {
public:
    JsonRemapListWriter(std::ostream& out, const DeviceId& id) : out_(out)
    {
        out_ << "{\n  \"schema\": " << json_schema << ",\n  \"name\": " << Json(id.name).dump() << ",\n  \"device\": "
             << Json(id.device).dump() << ",\n  \"remaps\": [";
    }

    void add(const RemapEntry& entry) override
    {
        Json object;
        object["block"] = entry.block;
        object["spare_block"] = entry.spare_block;
        object["flags"] = remap_flag_names(entry.flags);
        out_ << (first_ ? "\n    " : ",\n    ") << object.dump();
        first_ = false;
    }

    void finish() override
    {
        out_ << (first_ ? "]\n}\n" : "\n  ]\n}\n");
        out_.flush();
    }

private:
    std::ostream& out_;
    bool first_ = true;
};

}  // namespace

void write_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows)
{
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size())
                line += std::string(widths[i] - row[i].size() + 2, ' ');
        }
        out << line << '\n';
    }
}

std::vector<std::string> remap_flag_names(std::string_view letters)
{
    std::vector<std::string> names;
    for (const char letter : letters) {
        switch (letter) {
        case '-': break;
        case 'M': names.emplace_back("moving"); break;
        case 'L': names.emplace_back("lost"); break;
        case 'A': names.emplace_back("auto"); break;
        case 'U': names.emplace_back("uncertain"); break;
        default: names.emplace_back(1, letter); break;  // a letter a newer kernel added
        }
    }
    return names;
}

Json json_document()
{
    Json document;
    document["schema"] = json_schema;
    return document;
}

Json error_json(const std::string& message)
{
    Json document = json_document();
    document["error"] = message;
    return document;
}

Json device_document(const DeviceId& id)
{
    Json document = json_document();
    document["name"] = id.name;
    document["device"] = id.device;
    return document;
}

Json status_json(const DeviceId& id, const TargetStatus& s)
{
    Json document = json_document();
    document["name"] = id.name;
    document["device"] = id.device;
    document["block_size"] = s.block_size;
    document["remapped"] = s.remapped;
    document["spare_total"] = s.spare_total;
    document["spare_free"] = s.spare_free;
    document["read_errors"] = s.read_errors;
    document["write_errors"] = s.write_errors;
    document["auto_remaps"] = s.auto_remaps;
    document["lost_sectors"] = s.lost_sectors;
    document["metadata_seq"] = s.metadata_seq;
    document["metadata_state"] = to_string(s.metadata_state);
    document["health_score"] = s.health_score;
    document["health_state"] = to_string(s.health_state);
    document["extra"] = s.extra;
    return document;
}

void write_status_text(std::ostream& out, const DeviceId& id, const TargetStatus& status)
{
    std::vector<std::vector<std::string>> rows{{"name", id.name}, {"device", id.device}};
    for (auto& [field, value] : status_fields(status))
        rows.push_back({std::string(field), std::move(value)});
    if (!status.extra.empty()) {
        std::string extra;
        for (const std::string& word : status.extra)
            extra += (extra.empty() ? "" : " ") + word;
        rows.push_back({"extra", extra});
    }
    write_columns(out, rows);
}

Json device_list_json(const std::vector<DeviceSummary>& devices)
{
    Json list = Json::array();
    for (const DeviceSummary& d : devices) {
        Json device;
        device["name"] = d.id.name;
        device["device"] = d.id.device;
        device["main"] = d.table.main_dev;
        device["spare"] = d.table.spare_dev;
        device["block_size"] = d.status.block_size;
        device["remapped"] = d.status.remapped;
        device["spare_total"] = d.status.spare_total;
        device["spare_free"] = d.status.spare_free;
        device["metadata_state"] = to_string(d.status.metadata_state);
        device["health_score"] = d.status.health_score;
        device["health_state"] = to_string(d.status.health_state);
        list.push_back(std::move(device));
    }
    Json document = json_document();
    document["devices"] = std::move(list);
    return document;
}

std::unique_ptr<RemapListWriter> make_remap_list_writer(std::ostream& out, const DeviceId& id,
                                                        bool json)
{
    if (json)
        return std::make_unique<JsonRemapListWriter>(out, id);
    return std::make_unique<TextRemapListWriter>(out);
}

void write_json(std::ostream& out, const Json& document)
{
    out << document.dump(2) << '\n';
}

}  // namespace dmremap::cli
