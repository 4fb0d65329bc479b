#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace dmremap {

// What libblkid recognizes on a device or image, as wipefs would name it:
// "ext4 file system (label \"data\")", "swap", "dos partition table"...;
// nullopt when it recognizes nothing (or cannot read it).
std::optional<std::string> probe_content(const std::filesystem::path& path);

}  // namespace dmremap
