#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "render.hpp"

// What remap, unremap and import-badblocks did to each block. Their JSON
// documents have one shape: "blocks" lists the blocks done with their spare
// block, "failed" the blocks that failed with the reason.
namespace dmremap::cli {

struct BlockResult {
    std::uint64_t block = 0;
    // remap: the spare block it is on now; unremap: the one it was on (when
    // known); import-badblocks --dry-run: none.
    std::optional<std::uint64_t> spare_block;

    bool operator==(const BlockResult&) const = default;
};

struct BlockFailure {
    std::uint64_t block = 0;
    std::string error;

    bool operator==(const BlockFailure&) const = default;
};

struct BlockResults {
    std::vector<BlockResult> done;
    std::vector<BlockFailure> failed;
};

// {"schema", "name", "device", "blocks": [{"block", "spare_block"}...],
//  "failed": [{"block", "error"}...]}
Json block_results_json(const DeviceId& id, const BlockResults& results);

// `<block> <spare_block>` per block done, or `<block>` alone with
// with_spare false (or when the spare block is not known).
void write_block_results_text(std::ostream& out, const BlockResults& results, bool with_spare);

}  // namespace dmremap::cli
