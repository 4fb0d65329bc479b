#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dmremap::metadata {

// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) without the initial
// and final inversion, as the kernel's crc32c(crc, data, len) computes it:
// chain calls by passing the previous result. Uses the CPU's crc32
// instruction (SSE4.2) where it has one, else tables.
std::uint32_t crc32c_update(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;

// The two ways, for the tests: tables (slicing by 8) anywhere, the
// instruction only where crc32c_hardware_available() (elsewhere it falls
// back to the tables).
std::uint32_t crc32c_update_table(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;
std::uint32_t crc32c_update_hardware(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept;
bool crc32c_hardware_available() noexcept;

// The standard CRC-32C of data: initial value and final XOR 0xffffffff, i.e.
// ~crc32c(~0, data) in the kernel. crc32c("123456789") is 0xe3069283.
inline std::uint32_t crc32c(std::span<const std::uint8_t> data) noexcept
{
    return ~crc32c_update(~std::uint32_t{0}, data);
}

}  // namespace dmremap::metadata
