#pragma once

#include <optional>
#include <string>

#include "io.hpp"
#include "metadata_check.hpp"
#include "metadata_image.hpp"

namespace dmremap::cli {

// Opens the spare of a metadata command, or reports why it cannot (on
// stderr, and as the --json document when json) and returns nullopt: the
// command then exits exit_unreadable.
std::optional<metadata::SpareFile> open_spare(const std::string& path,
                                              metadata::SpareFile::Mode mode, bool json,
                                              const Io& io);

// check_metadata(), naming what a spare with other data holds.
metadata::CheckReport check_spare(metadata::SpareFile& spare);

}  // namespace dmremap::cli
