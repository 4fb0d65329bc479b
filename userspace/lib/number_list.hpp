#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dmremap {

// "3, 7, 9 and 12 more": at most max numbers, then how many were left out.
std::string number_list(const std::vector<std::uint64_t>& values, std::size_t max = 10);

// "0x1f".
std::string hex(std::uint64_t value);

}  // namespace dmremap
