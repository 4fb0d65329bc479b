#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace dmremap {

// The sectors from first_sector on (count of them) that read as errors
// through the device. Each unit of the device's logical block size is read
// on its own with O_DIRECT: a dm-remap device fails a read of lost sectors
// at once, without touching the main device and without counting it as a
// read error, and reads the others from where their data is. A unit that
// fails with EIO counts all its sectors; any other failure throws
// OperationError.
std::vector<std::uint64_t> probe_lost_sectors(const std::filesystem::path& device,
                                              std::uint64_t first_sector, std::uint64_t count);

}  // namespace dmremap
