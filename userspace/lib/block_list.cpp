#include "block_list.hpp"

#include <algorithm>

#include "error.hpp"
#include "number_parse.hpp"
#include "tokens.hpp"

namespace dmremap {

namespace {

std::string_view trim(std::string_view text)
{
    constexpr std::string_view blanks = " \t\r\v\f";
    const std::size_t first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos)
        return {};
    return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

}  // namespace

BlockList parse_block_list(std::string_view text)
{
    BlockList list;
    std::size_t line_number = 0;
    for (std::string_view raw : split_lines(text)) {
        ++line_number;
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#')
            continue;
        try {
            list.blocks.push_back(ListedBlock{parse_unsigned(line, "block"), line_number});
        } catch (const ParseError& error) {
            list.errors.push_back(BlockListError{line_number, std::string(line), error.problem()});
        }
    }
    return list;
}

BlockMapping map_listed_blocks(const std::vector<ListedBlock>& listed, std::uint64_t input_block_size,
                               std::uint32_t block_size, std::uint64_t nr_blocks)
{
    BlockMapping mapping;
    const std::uint64_t device_bytes = nr_blocks * block_size;
    for (const ListedBlock& b : listed) {
        const bool overflows = b.number > (UINT64_MAX - input_block_size) / input_block_size;
        if (overflows || b.number * input_block_size >= device_bytes) {
            mapping.errors.push_back(BlockListError{
                b.line, std::to_string(b.number),
                "beyond the end of the device (" + std::to_string(device_bytes / input_block_size) +
                    " blocks of " + std::to_string(input_block_size) + " bytes)"});
            continue;
        }
        const std::uint64_t first = b.number * input_block_size;
        const std::uint64_t end = std::min(first + input_block_size, device_bytes);
        for (std::uint64_t block = first / block_size; block <= (end - 1) / block_size; ++block)
            mapping.blocks.push_back(block);
    }
    std::sort(mapping.blocks.begin(), mapping.blocks.end());
    mapping.blocks.erase(std::unique(mapping.blocks.begin(), mapping.blocks.end()), mapping.blocks.end());
    return mapping;
}

}  // namespace dmremap
