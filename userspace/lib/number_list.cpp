#include "number_list.hpp"

#include <cstdio>

namespace dmremap {

std::string number_list(const std::vector<std::uint64_t>& values, std::size_t max)
{
    std::string text;
    for (std::size_t i = 0; i < values.size() && i < max; ++i)
        text += (i ? ", " : "") + std::to_string(values[i]);
    if (values.size() > max)
        text += " and " + std::to_string(values.size() - max) + " more";
    return text;
}

std::string hex(std::uint64_t value)
{
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

}  // namespace dmremap
