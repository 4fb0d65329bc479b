#pragma once

#include <string_view>
#include <vector>

namespace dmremap {

// The words of text, separated by any run of blanks (space, tab, newline).
std::vector<std::string_view> split_words(std::string_view text);

// The lines of text without their '\n' (and a '\r' before it). A final
// newline does not start another, empty, line.
std::vector<std::string_view> split_lines(std::string_view text);

// Whether text holds nothing but blanks.
bool is_blank(std::string_view text);

}  // namespace dmremap
