#include "metadata_backup.hpp"

#include <sstream>
#include <string>

#include "error.hpp"
#include "metadata_crc32c.hpp"
#include "metadata_format.hpp"

namespace dmremap::metadata {

namespace {

std::string n(std::uint64_t value)
{
    return std::to_string(value);
}

// Appends block to the last area when it follows it, else starts one.
void append(Backup& backup, std::uint64_t offset, const RawBlock& block)
{
    if (backup.areas.empty() ||
        backup.areas.back().offset + backup.areas.back().bytes.size() != offset)
        backup.areas.push_back({offset, {}});
    auto& bytes = backup.areas.back().bytes;
    bytes.insert(bytes.end(), block.begin(), block.end());
}

std::string line_of(std::istream& in, const std::string& what)
{
    std::string line;
    if (!std::getline(in, line))
        throw ParseError("backup", "cut off before " + what);
    return line;
}

std::uint64_t number_after(const std::string& line, const std::string& key)
{
    std::istringstream words(line);
    std::string word;
    std::uint64_t value = 0;
    if (!(words >> word) || word != key || !(words >> value) || !(words >> std::ws).eof())
        throw ParseError("backup", "expected '" + key + " <number>', got '" + line + "'");
    return value;
}

}  // namespace

Backup read_backup(MetadataImage& image,
                   const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                   std::uint64_t& unreadable)
{
    Backup backup;
    backup.device_bytes = image.size_bytes();
    unreadable = 0;
    for (const auto& [offset, length] : ranges) {
        for (std::uint64_t at = offset; at < offset + length; at += block_bytes) {
            const BlockRead read = read_block(image, at);
            if (read.ok())
                append(backup, at, read.block);
            else
                ++unreadable;
        }
    }
    return backup;
}

void write_backup(std::ostream& out, const Backup& backup)
{
    out << backup_header << "\ndevice_bytes " << backup.device_bytes << '\n';
    for (const BackupArea& area : backup.areas) {
        out << "area " << area.offset << ' ' << area.bytes.size() << ' ' << crc32c(area.bytes)
            << '\n';
        out.write(reinterpret_cast<const char*>(area.bytes.data()),
                  static_cast<std::streamsize>(area.bytes.size()));
        out << '\n';
    }
    out << "end\n";
}

bool is_backup(std::istream& in)
{
    // A JSON dump starts with '{' or white space, never with the 'd'.
    return in.peek() == backup_header.front();
}

Backup parse_backup(std::istream& in)
{
    if (line_of(in, "the header") != backup_header)
        throw ParseError("backup", "the first line is not '" + std::string(backup_header) + "'");
    Backup backup;
    backup.device_bytes = number_after(line_of(in, "device_bytes"), "device_bytes");
    for (;;) {
        const std::string line = line_of(in, "the line 'end'");
        if (line == "end")
            break;
        std::istringstream words(line);
        std::string word;
        std::uint64_t offset = 0, length = 0, crc = 0;
        if (!(words >> word >> offset >> length >> crc) || word != "area" || length == 0 ||
            length > (std::uint64_t{1} << 32))
            throw ParseError("backup", "expected 'area <offset> <length> <crc32c>', got '" + line + "'");
        BackupArea area{offset, std::vector<std::uint8_t>(length)};
        in.read(reinterpret_cast<char*>(area.bytes.data()), static_cast<std::streamsize>(length));
        if (static_cast<std::uint64_t>(in.gcount()) != length || in.get() != '\n')
            throw ParseError("backup", "the area at byte " + n(offset) + " is cut off");
        if (crc32c(area.bytes) != crc)
            throw ParseError("backup", "the area at byte " + n(offset) + " has a bad CRC");
        backup.areas.push_back(std::move(area));
    }
    return backup;
}

void restore_backup(MetadataImage& image, const Backup& backup)
{
    for (const BackupArea& area : backup.areas) {
        if (area.offset > image.size_bytes() || image.size_bytes() - area.offset < area.bytes.size())
            throw ParseError("backup", "the area at byte " + n(area.offset) +
                                           " lies beyond the end of " + image.name());
    }
    for (const BackupArea& area : backup.areas)
        image.write(area.offset, area.bytes);
    image.flush();
}

}  // namespace dmremap::metadata
