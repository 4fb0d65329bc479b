#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace dmremap {

// An lsblk-style -o list: column names separated by commas, case ignored;
// a list starting with '+' adds its columns to the defaults. Returns the
// indices into names, in the order given (a name may come twice). Throws
// ParseError naming an unknown or empty column and listing the known ones.
std::vector<std::size_t> select_columns(std::string_view spec, std::span<const std::string_view> names,
                                        std::span<const std::size_t> defaults);

}  // namespace dmremap
