#include "table_line.hpp"

#include <stdexcept>

#include "error.hpp"
#include "number_parse.hpp"
#include "tokens.hpp"

namespace dmremap {

namespace {

constexpr std::string_view context = "table";

bool is_device_number(std::string_view word)
{
    const std::size_t colon = word.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == word.size())
        return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (i != colon && (word[i] < '0' || word[i] > '9'))
            return false;
    }
    return true;
}

std::string device_arg(const std::vector<std::string_view>& words, std::size_t index,
                       std::string_view role)
{
    const std::string where = std::string(context) + " argument " + std::to_string(index + 1) +
                              " (" + std::string(role) + " device)";
    if (index >= words.size())
        throw ParseError(where, "missing");
    if (!is_device_number(words[index]))
        throw ParseError(where, "expected major:minor, got '" + std::string(words[index]) + "'");
    return std::string(words[index]);
}

}  // namespace

bool is_remap_target_type(std::string_view type)
{
    return type == remap_target_type || type == remap_v4_target_type;
}

bool is_valid_block_size(std::uint64_t block_size)
{
    return block_size >= min_block_size && block_size <= max_block_size &&
           (block_size & (block_size - 1)) == 0;
}

void validate(const TargetOptions& options)
{
    if (!is_valid_block_size(options.block_size)) {
        throw std::invalid_argument("block_size " + std::to_string(options.block_size) +
                                    " is not a power of two from " +
                                    std::to_string(min_block_size) + " to " +
                                    std::to_string(max_block_size));
    }
    if (options.read_retries > max_read_retries) {
        throw std::invalid_argument("read_retries " + std::to_string(options.read_retries) +
                                    " is above " + std::to_string(max_read_retries));
    }
}

std::vector<std::string> feature_args(const TargetOptions& options)
{
    validate(options);
    std::vector<std::string> args;
    if (options.block_size != default_block_size) {
        args.emplace_back("block_size");
        args.push_back(std::to_string(options.block_size));
    }
    if (!options.auto_remap)
        args.emplace_back("no_auto_remap");
    if (options.read_retries != default_read_retries) {
        args.emplace_back("read_retries");
        args.push_back(std::to_string(options.read_retries));
    }
    return args;
}

std::string build_target_params(std::string_view main_dev, std::string_view spare_dev,
                                const TargetOptions& options)
{
    if (main_dev.empty() || spare_dev.empty())
        throw std::invalid_argument("the main and spare devices must be named");
    std::string params = std::string(main_dev) + " " + std::string(spare_dev);
    const std::vector<std::string> args = feature_args(options);
    if (!args.empty()) {
        params += " " + std::to_string(args.size());
        for (const std::string& arg : args)
            params += " " + arg;
    }
    return params;
}

std::string build_table_line(std::uint64_t length_sectors, std::string_view main_dev,
                             std::string_view spare_dev, const TargetOptions& options)
{
    validate(options);
    const std::uint64_t sectors_per_block = options.block_size / sector_size;
    if (length_sectors == 0 || length_sectors % sectors_per_block != 0) {
        throw std::invalid_argument("length " + std::to_string(length_sectors) +
                                    " sectors is not a non-zero multiple of the block size (" +
                                    std::to_string(sectors_per_block) + " sectors)");
    }
    return "0 " + std::to_string(length_sectors) + " " + std::string(remap_target_type) + " " +
           build_target_params(main_dev, spare_dev, options);
}

std::uint64_t usable_length_sectors(std::uint64_t device_bytes, std::uint32_t block_size)
{
    if (!is_valid_block_size(block_size))
        throw std::invalid_argument("block_size " + std::to_string(block_size) + " is invalid");
    return device_bytes / block_size * (block_size / sector_size);
}

TableParams parse_table_params(std::string_view params)
{
    const std::vector<std::string_view> words = split_words(params);
    TableParams table;
    table.main_dev = device_arg(words, 0, "main");
    table.spare_dev = device_arg(words, 1, "spare");
    if (words.size() == 2)
        return table;

    const std::string count_context = std::string(context) + " feature argument count";
    const std::uint64_t count = parse_unsigned(words[2], count_context);
    if (count != words.size() - 3) {
        throw ParseError(count_context, "says " + std::to_string(count) + " but " +
                                            std::to_string(words.size() - 3) + " follow");
    }

    bool seen_block_size = false, seen_no_auto_remap = false, seen_read_retries = false;
    auto once = [](bool& seen, std::string_view name) {
        if (seen)
            throw ParseError(std::string(context) + " feature argument '" + std::string(name) + "'",
                             "given twice");
        seen = true;
    };
    auto value_of = [&](std::size_t& i, std::string_view name) {
        const std::string where =
            std::string(context) + " feature argument '" + std::string(name) + "'";
        if (i + 1 >= words.size())
            throw ParseError(where, "missing its value");
        return std::pair{words[++i], where};
    };

    for (std::size_t i = 3; i < words.size(); ++i) {
        const std::string_view arg = words[i];
        if (arg == "block_size") {
            once(seen_block_size, arg);
            const auto [value, where] = value_of(i, arg);
            const std::uint64_t size = parse_unsigned(value, where, max_block_size);
            if (!is_valid_block_size(size))
                throw ParseError(where, std::string(value) + " is not a power of two from 512");
            table.options.block_size = static_cast<std::uint32_t>(size);
        } else if (arg == "no_auto_remap") {
            once(seen_no_auto_remap, arg);
            table.options.auto_remap = false;
        } else if (arg == "read_retries") {
            once(seen_read_retries, arg);
            const auto [value, where] = value_of(i, arg);
            table.options.read_retries =
                static_cast<unsigned>(parse_unsigned(value, where, max_read_retries));
        } else {
            table.unknown_args.emplace_back(arg);
        }
    }
    return table;
}

}  // namespace dmremap
