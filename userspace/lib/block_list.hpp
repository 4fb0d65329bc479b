#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Lists of bad blocks made by other tools, for `dmremap import-badblocks`:
// e2fsprogs' `badblocks` output (one block number per line, in blocks of
// its -b size) or plain lists of 512-byte LBAs (from `smartctl -l selftest`,
// the kernel log...), and how their blocks fall on dm-remap blocks.
namespace dmremap {

// A line of the list that is not a block number, or a number that does not
// fall on the device.
struct BlockListError {
    std::size_t line = 0;  // from 1
    std::string text;      // the line as given (trimmed)
    std::string problem;

    bool operator==(const BlockListError&) const = default;
};

// A number of the list, with the line it is on.
struct ListedBlock {
    std::uint64_t number = 0;
    std::size_t line = 0;

    bool operator==(const ListedBlock&) const = default;
};

struct BlockList {
    std::vector<ListedBlock> blocks;     // in the order given
    std::vector<BlockListError> errors;  // by line
};

// One decimal number per line; blanks around it, empty lines and lines
// starting with '#' are allowed. Every other line is an error: the list is
// read whole, so that all of its errors can be named at once.
BlockList parse_block_list(std::string_view text);

struct BlockMapping {
    std::vector<std::uint64_t> blocks;   // dm-remap blocks, ascending, each once
    std::vector<BlockListError> errors;  // listed blocks beyond the device
};

// The dm-remap blocks (of block_size bytes, nr_blocks of them) that hold the
// bytes of each listed block (of input_block_size bytes, numbered from the
// start of the device). A listed block larger than block_size covers
// several; a listed block that starts beyond the device is an error; one
// that runs past its end maps only what lies inside.
BlockMapping map_listed_blocks(const std::vector<ListedBlock>& listed, std::uint64_t input_block_size,
                               std::uint32_t block_size, std::uint64_t nr_blocks);

}  // namespace dmremap
