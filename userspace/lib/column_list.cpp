#include "column_list.hpp"

#include <algorithm>
#include <string>

#include "error.hpp"

namespace dmremap {

namespace {

bool same_ignoring_case(std::string_view a, std::string_view b)
{
    const auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::string known_names(std::span<const std::string_view> names)
{
    std::string text;
    for (std::string_view name : names)
        text += (text.empty() ? "" : ", ") + std::string(name);
    return text;
}

}  // namespace

std::vector<std::size_t> select_columns(std::string_view spec, std::span<const std::string_view> names,
                                        std::span<const std::size_t> defaults)
{
    std::vector<std::size_t> selected;
    if (!spec.empty() && spec.front() == '+') {
        selected.assign(defaults.begin(), defaults.end());
        spec.remove_prefix(1);
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = spec.find(',', start);
        const std::string_view name = spec.substr(start, comma - start);
        if (name.empty())
            throw ParseError("column list", "an empty column name in '" + std::string(spec) + "'");
        const auto found = std::find_if(names.begin(), names.end(),
                                        [name](std::string_view known) { return same_ignoring_case(known, name); });
        if (found == names.end()) {
            throw ParseError("column list", "unknown column '" + std::string(name) +
                                                "' (known: " + known_names(names) + ")");
        }
        selected.push_back(static_cast<std::size_t>(found - names.begin()));
        if (comma == std::string_view::npos)
            return selected;
        start = comma + 1;
    }
}

}  // namespace dmremap
