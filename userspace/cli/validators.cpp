#include "validators.hpp"

#include <algorithm>
#include <cstring>

#include "error.hpp"
#include "number_parse.hpp"
#include "table_line.hpp"

namespace dmremap::cli {

namespace {

// DM_NAME_LEN, which counts the terminating NUL.
constexpr std::size_t max_name_length = 127;

}  // namespace

CLI::Validator new_device_name()
{
    return CLI::Validator(
        [](std::string& name) -> std::string {
            if (name.empty())
                return "the device name is empty";
            if (name.size() > max_name_length)
                return "the device name is longer than " + std::to_string(max_name_length) +
                       " characters";
            if (name == "." || name == "..")
                return "'" + name + "' cannot name a device";
            const bool allowed = std::all_of(name.begin(), name.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::strchr("#+-.:=@_", c) != nullptr;
            });
            if (!allowed)
                return "device name '" + name + "' may only hold letters, digits and #+-.:=@_";
            return {};
        },
        "NAME", "device name");
}

CLI::Validator block_size()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            try {
                const std::uint64_t size = parse_unsigned(text, "block size");
                if (!is_valid_block_size(size))
                    return "block size " + text + " is not a power of two from " +
                           std::to_string(min_block_size) + " to " + std::to_string(max_block_size);
            } catch (const ParseError& error) {
                return error.problem();
            }
            return {};
        },
        "BYTES", "block size");
}

CLI::Validator block_number()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            try {
                parse_unsigned(text, "block");
            } catch (const ParseError& error) {
                return error.problem();
            }
            return {};
        },
        "BLOCK", "block number");
}

CLI::Validator positive_count()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            try {
                if (parse_unsigned(text, "count") == 0)
                    return "expected 1 or more, got 0";
            } catch (const ParseError& error) {
                return error.problem();
            }
            return {};
        },
        "N", "count");
}

}  // namespace dmremap::cli
