#include "tokens.hpp"

namespace dmremap {

namespace {

constexpr std::string_view blanks = " \t\n\r\v\f";

}  // namespace

std::vector<std::string_view> split_words(std::string_view text)
{
    std::vector<std::string_view> words;
    std::size_t pos = text.find_first_not_of(blanks);
    while (pos != std::string_view::npos) {
        const std::size_t end = text.find_first_of(blanks, pos);
        words.push_back(text.substr(pos, end == std::string_view::npos ? end : end - pos));
        pos = text.find_first_not_of(blanks, end);
    }
    return words;
}

std::vector<std::string_view> split_lines(std::string_view text)
{
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.push_back(line);
        if (end == std::string_view::npos)
            break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

bool is_blank(std::string_view text)
{
    return text.find_first_not_of(blanks) == std::string_view::npos;
}

}  // namespace dmremap
