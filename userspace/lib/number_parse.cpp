#include "number_parse.hpp"

#include <charconv>
#include <system_error>

#include "error.hpp"

namespace dmremap {

std::uint64_t parse_unsigned(std::string_view text, const std::string& context, std::uint64_t max)
{
    if (text.empty())
        throw ParseError(context, "expected a number, got nothing");

    // from_chars would accept what follows a leading run of digits; require
    // every character to be a digit so "12abc" and "+5" are rejected.
    for (char c : text) {
        if (c < '0' || c > '9')
            throw ParseError(context, "expected a number, got '" + std::string(text) + "'");
    }

    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range || value > max)
        throw ParseError(context, "'" + std::string(text) + "' is out of range (at most " +
                                      std::to_string(max) + ")");
    if (error != std::errc() || end != text.data() + text.size())
        throw ParseError(context, "expected a number, got '" + std::string(text) + "'");
    return value;
}

}  // namespace dmremap
