#pragma once

#include <CLI/CLI.hpp>

namespace dmremap::cli {

// A name for a new device: what device-mapper and udev accept unmangled
// (letters, digits and #+-.:=@_, at most 127 characters, not "." or "..").
CLI::Validator new_device_name();

// A block size: a power of two from 512 to 65536.
CLI::Validator block_size();

// A block number: digits only (CLI11 alone would wrap "-5" around).
CLI::Validator block_number();

// A count of 1 or more (--count of status --watch and events).
CLI::Validator positive_count();

}  // namespace dmremap::cli
