#include "fs_owners.hpp"

#include <blkid/blkid.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <set>

#include "error.hpp"
#include "number_parse.hpp"
#include "subprocess.hpp"
#include "tokens.hpp"

namespace dmremap {

namespace {

// Arguments per run of a tool, so that a command line stays short.
constexpr std::size_t batch = 256;

struct ProbeDeleter {
    void operator()(blkid_probe probe) const noexcept { blkid_free_probe(probe); }
};

std::string line_context(std::string_view tool, std::size_t line)
{
    return std::string(tool) + " output line " + std::to_string(line);
}

// Splits at the first tab: debugfs separates its two columns with one.
std::pair<std::string_view, std::string_view> split_tab(std::string_view line, const std::string& where)
{
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos)
        throw ParseError(where, "expected two tab-separated columns, got '" + std::string(line) + "'");
    return {line.substr(0, tab), line.substr(tab + 1)};
}

ProcessResult run_tool(const std::vector<std::string>& argv, const std::string& what)
{
    ProcessResult result;
    try {
        result = run_process(argv);
    } catch (const OperationError& error) {
        if (error.error_code() == ENOENT) {
            throw OperationError("lost-files", argv.front(),
                                 "not installed: " + what + " needs it (Debian package " +
                                     (argv.front() == "debugfs" ? "e2fsprogs" : "xfsprogs") + ")");
        }
        throw;
    }
    if (result.exit_status != 0) {
        std::string err = result.err;
        while (!err.empty() && err.back() == '\n')
            err.pop_back();
        throw OperationError("lost-files", argv.front(),
                             "exit status " + std::to_string(result.exit_status) + ": " + err);
    }
    return result;
}

template <typename T>
std::vector<std::vector<T>> batches_of(const std::vector<T>& items)
{
    std::vector<std::vector<T>> out;
    for (std::size_t i = 0; i < items.size(); i += batch)
        out.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(i),
                         items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), i + batch)));
    return out;
}

std::string debugfs_request(std::string_view command, const std::vector<std::uint64_t>& numbers)
{
    std::string request(command);
    for (std::uint64_t n : numbers)
        request += " " + std::to_string(n);
    return request;
}

LostOwners ext_owners(const std::filesystem::path& device, std::uint32_t block_size,
                      const std::vector<std::uint64_t>& sectors)
{
    const std::uint64_t sectors_per_block = block_size / 512;
    std::set<std::uint64_t> block_set;
    for (std::uint64_t s : sectors)
        block_set.insert(s / sectors_per_block);
    const std::vector<std::uint64_t> blocks(block_set.begin(), block_set.end());

    std::map<std::uint64_t, std::optional<std::uint64_t>> owner;
    for (const auto& part : batches_of(blocks)) {
        const ProcessResult r =
            run_tool({"debugfs", "-R", debugfs_request("icheck", part), device.string()}, "ext4");
        owner.merge(parse_icheck(r.out));
    }
    std::set<std::uint64_t> inode_set;
    for (const auto& [block, inode] : owner) {
        if (inode)
            inode_set.insert(*inode);
    }
    const std::vector<std::uint64_t> inodes(inode_set.begin(), inode_set.end());
    std::map<std::uint64_t, std::vector<std::string>> paths;
    for (const auto& part : batches_of(inodes)) {
        const ProcessResult r =
            run_tool({"debugfs", "-R", debugfs_request("ncheck", part), device.string()}, "ext4");
        for (auto& [inode, names] : parse_ncheck(r.out))
            paths[inode] = std::move(names);
    }

    LostOwners owners;
    std::map<std::uint64_t, LostFile> files;
    for (std::uint64_t s : sectors) {
        const auto found = owner.find(s / sectors_per_block);
        if (found == owner.end() || !found->second) {
            owners.unowned.emplace_back(s, "free space or file system metadata");
            continue;
        }
        LostFile& file = files[*found->second];
        file.inode = *found->second;
        file.sectors.push_back(s);
    }
    for (auto& [inode, file] : files) {
        file.paths = paths[inode];
        owners.files.push_back(std::move(file));
    }
    return owners;
}

XfsGeometry read_xfs_geometry(const std::filesystem::path& device)
{
    std::ifstream in(device, std::ios::binary);
    std::array<std::uint8_t, 512> sector{};
    if (!in.read(reinterpret_cast<char*>(sector.data()), sector.size()))
        throw OperationError("lost-files", device.string(), "cannot read the XFS superblock");
    return parse_xfs_superblock(sector);
}

LostOwners xfs_owners(const std::filesystem::path& device, const std::vector<std::uint64_t>& sectors)
{
    const std::vector<XfsLookup> lookups = plan_xfs_lookups(sectors, read_xfs_geometry(device));
    LostOwners owners;
    std::map<std::uint64_t, LostFile> files;
    for (const auto& part : batches_of(lookups)) {
        // blockget -n reads the file system's metadata once per run and
        // records names; then each lookup gives `count` blockuse lines.
        std::vector<std::string> argv{"xfs_db", "-r", "-c", "blockget -n"};
        std::size_t lines = 0;
        for (const XfsLookup& l : part) {
            argv.insert(argv.end(), {"-c", "daddr " + std::to_string(l.daddr), "-c",
                                     "blockuse -n -c " + std::to_string(l.count)});
            lines += l.count;
        }
        argv.push_back(device.string());
        const std::vector<XfsBlockUse> uses = parse_blockuse(run_tool(argv, "XFS").out);
        if (uses.size() != lines) {
            throw ParseError("xfs_db output",
                             std::to_string(uses.size()) + " blockuse lines, expected " + std::to_string(lines));
        }
        std::size_t at = 0;
        for (const XfsLookup& l : part) {
            at += l.count;
            const XfsBlockUse& use = uses[at - 1];
            if (use.ag != l.ag || use.ag_block != l.ag_block) {
                throw OperationError("lost-files", device.string(),
                                     "xfs_db shows block " + std::to_string(use.ag) + "/" +
                                         std::to_string(use.ag_block) + " for " + std::to_string(l.ag) +
                                         "/" + std::to_string(l.ag_block) + ": it could not read there");
            }
            for (std::uint64_t s : l.sectors) {
                if (!use.inode) {
                    owners.unowned.emplace_back(s, use.type);
                    continue;
                }
                LostFile& file = files[*use.inode];
                file.inode = *use.inode;
                file.sectors.push_back(s);
                if (!use.path.empty() &&
                    std::find(file.paths.begin(), file.paths.end(), use.path) == file.paths.end())
                    file.paths.push_back(use.path);
            }
        }
    }
    for (auto& [inode, file] : files) {
        std::sort(file.sectors.begin(), file.sectors.end());
        owners.files.push_back(std::move(file));
    }
    std::sort(owners.unowned.begin(), owners.unowned.end());
    return owners;
}

std::uint32_t big_endian_32(std::span<const std::uint8_t> bytes, std::size_t offset)
{
    return static_cast<std::uint32_t>(bytes[offset]) << 24 | static_cast<std::uint32_t>(bytes[offset + 1]) << 16 |
           static_cast<std::uint32_t>(bytes[offset + 2]) << 8 | static_cast<std::uint32_t>(bytes[offset + 3]);
}

}  // namespace

XfsGeometry parse_xfs_superblock(std::span<const std::uint8_t> sector0)
{
    // struct xfs_dsb: sb_magicnum at 0, sb_blocksize at 4, sb_agblocks at 84
    constexpr std::uint32_t xfs_magic = 0x58465342;  // "XFSB"
    if (sector0.size() < 88 || big_endian_32(sector0, 0) != xfs_magic)
        throw ParseError("XFS superblock", "no XFSB magic");
    const XfsGeometry g{big_endian_32(sector0, 4), big_endian_32(sector0, 84)};
    if (g.block_size < 512 || g.block_size % 512 != 0 || (g.block_size & (g.block_size - 1)) != 0 ||
        g.ag_blocks == 0)
        throw ParseError("XFS superblock", "block size " + std::to_string(g.block_size) + " or " +
                                               std::to_string(g.ag_blocks) + " blocks per AG make no sense");
    return g;
}

std::vector<XfsLookup> plan_xfs_lookups(const std::vector<std::uint64_t>& lost, const XfsGeometry& g)
{
    const std::uint64_t per_block = g.block_size / 512;
    std::set<std::uint64_t> lost_blocks;
    for (std::uint64_t s : lost)
        lost_blocks.insert(s / per_block);
    std::vector<XfsLookup> lookups;
    for (std::uint64_t s : lost) {
        const std::uint64_t block = s / per_block;
        if (!lookups.empty() && lookups.back().block == block) {
            lookups.back().sectors.push_back(s);
            continue;
        }
        XfsLookup l;
        l.block = block;
        l.ag = static_cast<std::uint32_t>(block / g.ag_blocks);
        l.ag_block = static_cast<std::uint32_t>(block % g.ag_blocks);
        l.sectors = {s};
        // The nearest block before it in its AG with no lost sector.
        unsigned back = 1;
        while (back <= max_xfs_lookback && back <= l.ag_block && lost_blocks.contains(block - back))
            ++back;
        if (back > max_xfs_lookback || back > l.ag_block) {
            throw OperationError("lost-files", "XFS block " + std::to_string(l.ag) + "/" + std::to_string(l.ag_block),
                                 "no readable block before it in its allocation group within " +
                                     std::to_string(max_xfs_lookback) + " blocks: xfs_db cannot stand there");
        }
        l.daddr = (block - back) * per_block;
        l.count = back + 1;
        lookups.push_back(std::move(l));
    }
    return lookups;
}

FilesystemInfo probe_filesystem(const std::filesystem::path& device)
{
    const std::unique_ptr<blkid_struct_probe, ProbeDeleter> probe(
        blkid_new_probe_from_filename(device.c_str()));
    if (!probe)
        throw OperationError("probe", device.string(), errno_text(errno), errno);
    blkid_probe_enable_superblocks(probe.get(), 1);
    blkid_probe_set_superblocks_flags(probe.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_MAGIC);
    FilesystemInfo info;
    const int r = blkid_do_safeprobe(probe.get());
    if (r < 0)
        throw OperationError("probe", device.string(), "libblkid could not read it");
    if (r == 1)
        return info;  // nothing found
    const char* value = nullptr;
    if (blkid_probe_lookup_value(probe.get(), "TYPE", &value, nullptr) == 0 && value)
        info.type = value;
    if (blkid_probe_lookup_value(probe.get(), "BLOCK_SIZE", &value, nullptr) == 0 && value) {
        try {
            info.block_size = static_cast<std::uint32_t>(parse_unsigned(value, "BLOCK_SIZE", UINT32_MAX));
        } catch (const ParseError&) {
            // no block size then
        }
    }
    return info;
}

std::map<std::uint64_t, std::optional<std::uint64_t>> parse_icheck(std::string_view output)
{
    std::map<std::uint64_t, std::optional<std::uint64_t>> owner;
    std::size_t number = 0;
    for (std::string_view line : split_lines(output)) {
        ++number;
        if (line.empty() || line.starts_with("Block\t") || line.starts_with("debugfs "))
            continue;
        const std::string where = line_context("icheck", number);
        const auto [block, inode] = split_tab(line, where);
        const std::uint64_t b = parse_unsigned(block, where + " block");
        if (inode == "<block not found>")
            owner[b] = std::nullopt;
        else
            owner[b] = parse_unsigned(inode, where + " inode");
    }
    return owner;
}

std::map<std::uint64_t, std::vector<std::string>> parse_ncheck(std::string_view output)
{
    std::map<std::uint64_t, std::vector<std::string>> paths;
    std::size_t number = 0;
    for (std::string_view line : split_lines(output)) {
        ++number;
        if (line.empty() || line.starts_with("Inode\t") || line.starts_with("debugfs "))
            continue;
        const std::string where = line_context("ncheck", number);
        auto [inode, path] = split_tab(line, where);
        // debugfs 1.47 writes the root's entries as "//name"
        while (path.starts_with("//"))
            path.remove_prefix(1);
        paths[parse_unsigned(inode, where + " inode")].emplace_back(path);
    }
    return paths;
}

std::vector<XfsBlockUse> parse_blockuse(std::string_view output)
{
    std::vector<XfsBlockUse> uses;
    std::size_t number = 0;
    for (std::string_view line : split_lines(output)) {
        ++number;
        if (!line.starts_with("block "))
            continue;  // blockget's own reports
        const std::string where = line_context("blockuse", number);
        // block <fsb> (<ag>/<agb>) type <type>[ inode <ino>[ <path>]]
        const std::vector<std::string_view> words = split_words(line);
        if (words.size() < 5 || words[3] != "type")
            throw ParseError(where, "expected 'block <n> (<ag>/<block>) type <type>', got '" + std::string(line) + "'");
        XfsBlockUse use;
        use.fsblock = parse_unsigned(words[1], where + " block");
        const std::string_view ag = words[2];
        const std::size_t slash = ag.find('/');
        if (ag.size() < 5 || ag.front() != '(' || ag.back() != ')' || slash == std::string_view::npos)
            throw ParseError(where, "expected '(<ag>/<block>)', got '" + std::string(ag) + "'");
        use.ag = static_cast<std::uint32_t>(parse_unsigned(ag.substr(1, slash - 1), where + " ag", UINT32_MAX));
        use.ag_block = static_cast<std::uint32_t>(
            parse_unsigned(ag.substr(slash + 1, ag.size() - slash - 2), where + " ag block", UINT32_MAX));
        use.type = words[4];
        if (words.size() >= 7 && words[5] == "inode") {
            use.inode = parse_unsigned(words[6], where + " inode");
            // the path is the rest of the line, blanks included; xfs_db
            // writes it relative to the root, debugfs from it: make it "/..."
            const auto at = static_cast<std::size_t>(words[6].data() - line.data()) + words[6].size();
            if (at < line.size())
                use.path = "/" + std::string(line.substr(at + 1));
        } else if (words.size() != 5) {
            throw ParseError(where, "unexpected words after the type in '" + std::string(line) + "'");
        }
        uses.push_back(std::move(use));
    }
    return uses;
}

LostOwners find_lost_owners(const std::filesystem::path& device, const FilesystemInfo& fs,
                            const std::vector<std::uint64_t>& sectors)
{
    LostOwners owners;
    if (fs.type == "ext2" || fs.type == "ext3" || fs.type == "ext4") {
        if (!fs.block_size || *fs.block_size < 512 || *fs.block_size % 512 != 0)
            throw OperationError("lost-files", device.string(), "libblkid gives no block size for its " + fs.type);
        owners = ext_owners(device, *fs.block_size, sectors);
    } else if (fs.type == "xfs") {
        owners = xfs_owners(device, sectors);
    } else {
        throw OperationError("lost-files", device.string(),
                             fs.type.empty() ? "no file system found on it (ext2/3/4 and XFS are known)"
                                             : "file system " + fs.type + " is not one it knows (ext2/3/4, XFS)");
    }
    owners.filesystem = fs.type;
    return owners;
}

}  // namespace dmremap
