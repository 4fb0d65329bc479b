#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace dmremap {

// Strict unsigned decimal: digits only, no sign, no blanks, no base prefix,
// at most max. Throws ParseError naming context ("status field 'remapped'")
// and saying whether the text was empty, not a number or out of range.
std::uint64_t parse_unsigned(std::string_view text, const std::string& context,
                             std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

}  // namespace dmremap
