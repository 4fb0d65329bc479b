#pragma once

#include <cstddef>
#include <ostream>
#include <string_view>
#include <vector>

#include "render.hpp"

// `dmremap list` as a table: the columns it can show, chosen with -o as
// lsblk's are, drawn by libsmartcols (the library lsblk uses) so that
// --raw and --noheadings behave as they do there.
namespace dmremap::cli {

std::vector<std::string_view> list_column_names();
// NAME DEVICE MAIN SPARE BLOCK_SIZE REMAPPED SPARE_FREE HEALTH_SCORE HEALTH_STATE
std::vector<std::size_t> default_list_columns();

struct ListFormat {
    std::vector<std::size_t> columns = default_list_columns();  // indices into list_column_names()
    bool noheadings = false;
    bool raw = false;  // one space between columns, unsafe characters escaped as \x<hex>
};

// Nothing at all when there is no device.
void write_device_list_table(std::ostream& out, const std::vector<DeviceSummary>& devices,
                             const ListFormat& format);

}  // namespace dmremap::cli
