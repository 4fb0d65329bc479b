#include "metadata_crc32c.hpp"

#include <array>
#include <cstring>

namespace dmremap::metadata {

namespace {

constexpr std::uint32_t polynomial = 0x82f63b78;  // 0x1edc6f41 reflected

// Slicing by 8: table[k][b] is the CRC of byte b followed by k zero bytes.
using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables make_tables()
{
    Tables tables{};
    for (std::uint32_t b = 0; b < 256; ++b) {
        std::uint32_t crc = b;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ ((crc & 1) ? polynomial : 0);
        tables[0][b] = crc;
    }
    for (std::size_t k = 1; k < tables.size(); ++k)
        for (std::size_t b = 0; b < 256; ++b)
            tables[k][b] = (tables[k - 1][b] >> 8) ^ tables[0][tables[k - 1][b] & 0xff];
    return tables;
}

constexpr Tables tables = make_tables();

std::uint32_t load_le32(const std::uint8_t* p) noexcept
{
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

std::uint32_t crc32c_update_table(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept
{
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    while (n >= 8) {
        const std::uint32_t low = load_le32(p) ^ crc;
        const std::uint32_t high = load_le32(p + 4);
        crc = tables[7][low & 0xff] ^ tables[6][(low >> 8) & 0xff] ^
              tables[5][(low >> 16) & 0xff] ^ tables[4][low >> 24] ^
              tables[3][high & 0xff] ^ tables[2][(high >> 8) & 0xff] ^
              tables[1][(high >> 16) & 0xff] ^ tables[0][high >> 24];
        p += 8;
        n -= 8;
    }
    for (; n > 0; --n, ++p)
        crc = (crc >> 8) ^ tables[0][(crc ^ *p) & 0xff];
    return crc;
}

#if defined(__x86_64__)

bool crc32c_hardware_available() noexcept
{
    static const bool available = __builtin_cpu_supports("sse4.2");
    return available;
}

// The SSE4.2 crc32 instruction computes CRC-32C, reflected, without the
// inversions: the same as the tables, 8 bytes per instruction.
__attribute__((target("sse4.2"))) std::uint32_t
crc32c_update_hardware(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept
{
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    std::uint64_t wide = crc;
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, p, sizeof word);
        wide = __builtin_ia32_crc32di(wide, word);
    }
    auto narrow = static_cast<std::uint32_t>(wide);
    for (; n > 0; --n, ++p)
        narrow = __builtin_ia32_crc32qi(narrow, *p);
    return narrow;
}

#else

bool crc32c_hardware_available() noexcept
{
    return false;
}

std::uint32_t crc32c_update_hardware(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept
{
    return crc32c_update_table(crc, data);
}

#endif

std::uint32_t crc32c_update(std::uint32_t crc, std::span<const std::uint8_t> data) noexcept
{
    return crc32c_hardware_available() ? crc32c_update_hardware(crc, data)
                                       : crc32c_update_table(crc, data);
}

}  // namespace dmremap::metadata
