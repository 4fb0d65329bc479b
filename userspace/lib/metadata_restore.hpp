#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_json.hpp"

// Writes a metadata set from a dump onto a spare device or image.
namespace dmremap::metadata {

// Why writing dump onto the device that report checked would overwrite
// something that is not this metadata set, or nullopt when it would not:
// the first 4 KiB hold neither zeros nor dm-remap metadata (and no copy 1
// of this set says the device is ours), or a superblock there belongs to
// another set (another uuid).
std::optional<std::string> restore_refusal(MetadataImage& image, const CheckReport& report,
                                           const Dump& dump);

struct RestoreResult {
    std::uint64_t seq = 0;     // the sequence number written
    std::uint64_t remaps = 0;  // remaps written
    std::vector<std::string> warnings;
};

// Checks that the dump fits the device (ParseError) and, unless force,
// that the device holds nothing else (OperationError naming what it
// holds); then writes both copies, copy 1 first, with a seq above every
// one on the device and the dump's.
RestoreResult restore_metadata(MetadataImage& image, const Dump& dump, bool force,
                               std::uint64_t now);

}  // namespace dmremap::metadata
