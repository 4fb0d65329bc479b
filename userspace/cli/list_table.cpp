#include "list_table.hpp"

#include <libsmartcols/libsmartcols.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "error.hpp"

namespace dmremap::cli {

namespace {

struct Column {
    std::string_view name;
    bool number;  // right-aligned, as lsblk aligns numbers
    std::function<std::string(const DeviceSummary&)> value;
};

std::string display_device(const std::optional<std::string>& kernel_name, const std::string& number)
{
    return kernel_name ? *kernel_name : number;
}

// The columns in the order -o help lists them.
const std::vector<Column>& columns()
{
    static const std::vector<Column> table{
        {"NAME", false, [](const DeviceSummary& d) { return d.id.name; }},
        {"DEVICE", false, [](const DeviceSummary& d) { return d.id.device; }},
        {"MAIN", false, [](const DeviceSummary& d) { return display_device(d.main_name, d.table.main_dev); }},
        {"SPARE", false, [](const DeviceSummary& d) { return display_device(d.spare_name, d.table.spare_dev); }},
        {"MAIN_DEV", false, [](const DeviceSummary& d) { return d.table.main_dev; }},
        {"SPARE_DEV", false, [](const DeviceSummary& d) { return d.table.spare_dev; }},
        {"BLOCK_SIZE", true, [](const DeviceSummary& d) { return std::to_string(d.status.block_size); }},
        {"REMAPPED", true, [](const DeviceSummary& d) { return std::to_string(d.status.remapped); }},
        {"SPARE_TOTAL", true, [](const DeviceSummary& d) { return std::to_string(d.status.spare_total); }},
        {"SPARE_FREE", true, [](const DeviceSummary& d) { return std::to_string(d.status.spare_free); }},
        {"READ_ERRORS", true, [](const DeviceSummary& d) { return std::to_string(d.status.read_errors); }},
        {"WRITE_ERRORS", true, [](const DeviceSummary& d) { return std::to_string(d.status.write_errors); }},
        {"AUTO_REMAPS", true, [](const DeviceSummary& d) { return std::to_string(d.status.auto_remaps); }},
        {"LOST_SECTORS", true, [](const DeviceSummary& d) { return std::to_string(d.status.lost_sectors); }},
        {"METADATA_SEQ", true, [](const DeviceSummary& d) { return std::to_string(d.status.metadata_seq); }},
        {"METADATA_STATE", false,
         [](const DeviceSummary& d) { return std::string(to_string(d.status.metadata_state)); }},
        {"HEALTH_SCORE", true, [](const DeviceSummary& d) { return std::to_string(d.status.health_score); }},
        {"HEALTH_STATE", false,
         [](const DeviceSummary& d) { return std::string(to_string(d.status.health_state)); }},
    };
    return table;
}

struct TableDeleter {
    void operator()(libscols_table* table) const noexcept { scols_unref_table(table); }
};
using Table = std::unique_ptr<libscols_table, TableDeleter>;

struct StringDeleter {
    void operator()(char* text) const noexcept { std::free(text); }
};

void check(bool ok, const char* what)
{
    if (!ok)
        throw OperationError("list", "libsmartcols", std::string(what) + " failed");
}

}  // namespace

std::vector<std::string_view> list_column_names()
{
    std::vector<std::string_view> names;
    for (const Column& column : columns())
        names.push_back(column.name);
    return names;
}

std::vector<std::size_t> default_list_columns()
{
    std::vector<std::size_t> indices;
    for (std::string_view name : {"NAME", "DEVICE", "MAIN", "SPARE", "BLOCK_SIZE", "REMAPPED",
                                  "SPARE_FREE", "HEALTH_SCORE", "HEALTH_STATE"}) {
        const auto& table = columns();
        const auto found = std::find_if(table.begin(), table.end(),
                                        [name](const Column& c) { return c.name == name; });
        indices.push_back(static_cast<std::size_t>(found - table.begin()));
    }
    return indices;
}

void write_device_list_table(std::ostream& out, const std::vector<DeviceSummary>& devices,
                             const ListFormat& format)
{
    if (devices.empty())
        return;
    const Table table(scols_new_table());
    check(table != nullptr, "scols_new_table");
    check(scols_table_enable_raw(table.get(), format.raw) == 0, "scols_table_enable_raw");
    check(scols_table_enable_noheadings(table.get(), format.noheadings) == 0,
          "scols_table_enable_noheadings");
    for (std::size_t index : format.columns) {
        const Column& column = columns().at(index);
        check(scols_table_new_column(table.get(), std::string(column.name).c_str(), 0,
                                     column.number ? SCOLS_FL_RIGHT : 0) != nullptr,
              "scols_table_new_column");
    }
    for (const DeviceSummary& device : devices) {
        libscols_line* line = scols_table_new_line(table.get(), nullptr);
        check(line != nullptr, "scols_table_new_line");
        for (std::size_t i = 0; i < format.columns.size(); ++i) {
            check(scols_line_set_data(line, i, columns().at(format.columns[i]).value(device).c_str()) == 0,
                  "scols_line_set_data");
        }
    }
    char* raw_text = nullptr;
    check(scols_print_table_to_string(table.get(), &raw_text) == 0, "scols_print_table_to_string");
    const std::unique_ptr<char, StringDeleter> text(raw_text);
    out << text.get();
    if (text && *text.get() && text.get()[std::char_traits<char>::length(text.get()) - 1] != '\n')
        out << '\n';
}

}  // namespace dmremap::cli
