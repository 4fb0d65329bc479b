// Writes a seed corpus for dmremap_metadata_fuzz into the directory given:
// small spare images (clean, torn, damaged, one copy gone) made the way
// the kernel makes them, and a dump.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_image_builder.hpp"
#include "metadata_json.hpp"

namespace {

using dmremap::testing_support::ImageBuilder;

void save(const std::string& dir, const std::string& name, std::uint8_t mode,
          const std::vector<std::uint8_t>& bytes)
{
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out.put(static_cast<char>(mode));
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

ImageBuilder populated(std::uint64_t sectors, std::uint32_t block_size, std::uint64_t main_sectors)
{
    ImageBuilder b(sectors, block_size, main_sectors);
    const auto pool = b.geometry().pool_blocks;
    b.stage(0, 3);
    b.stage(static_cast<std::uint32_t>(pool / 2), 7, DM_REMAP_ENTRY_AUTO);
    b.stage(static_cast<std::uint32_t>(pool - 1), 1, DM_REMAP_ENTRY_LOST, 1);
    b.commit();
    return b;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    // 64 sectors of 512-byte blocks: 32 spare blocks, one table block.
    // 160 sectors: two table blocks. 48 sectors of 4 KiB blocks.
    for (const auto& [sectors, bs] : std::vector<std::pair<std::uint64_t, std::uint32_t>>{
             {64, 512}, {400, 512}, {48, 4096}, {96, 8192}}) {
        const std::string tag = std::to_string(sectors) + "-" + std::to_string(bs);
        ImageBuilder blank(sectors, bs, 4096);
        save(dir, "formatted-" + tag, 0, blank.bytes());
        ImageBuilder b = populated(sectors, bs, 4096);
        save(dir, "populated-" + tag, 0, b.bytes());
        save(dir, "populated-reseal-" + tag, 1, b.bytes());

        auto damaged = b.bytes();
        damaged[b.table_offset(1, 0) + 100] ^= 1;
        save(dir, "damaged-" + tag, 0, damaged);

        auto gone = b.bytes();
        std::fill(gone.begin(), gone.begin() + 4096, 0);
        save(dir, "copy0-gone-" + tag, 0, gone);

        ImageBuilder torn = b;
        torn.stage(1, 9);
        const auto writes = torn.commit(false);
        auto bytes = b.bytes();
        std::copy(writes[0].data.begin(), writes[0].data.end(),
                  bytes.begin() + static_cast<std::ptrdiff_t>(writes[0].offset));
        save(dir, "torn-" + tag, 0, bytes);

        dmremap::metadata::MemoryImage image(b.bytes());
        const auto report = dmremap::metadata::check_metadata(image);
        std::ostringstream text;
        dmremap::metadata::DumpWriter writer(text, report);
        dmremap::metadata::for_each_remap(image, *report.chosen_copy(),
                                          [&](std::uint64_t s, const auto& e) { writer.add(s, e); });
        writer.finish();
        const std::string json = text.str();
        save(dir, "dump-" + tag, 0x80, std::vector<std::uint8_t>(json.begin(), json.end()));
    }
    return 0;
}
