#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Which files own given sectors of a file system, found with the file
// system's own tools: e2fsprogs' debugfs (icheck, ncheck) for ext2/3/4,
// xfsprogs' xfs_db (blockget -n, blockuse -n) for XFS.
namespace dmremap {

// What libblkid finds on a device.
struct FilesystemInfo {
    std::string type;                       // "ext4", "xfs", ...; "" for none found
    std::optional<std::uint32_t> block_size;  // libblkid's BLOCK_SIZE, when it gives one
};
// Throws OperationError when the device cannot be probed.
FilesystemInfo probe_filesystem(const std::filesystem::path& device);

// The parsers throw ParseError naming the line that is malformed.

// `debugfs -R "icheck <block>..."`: for each file system block, the inode
// that owns it, or none ("<block not found>": free, or file system metadata).
std::map<std::uint64_t, std::optional<std::uint64_t>> parse_icheck(std::string_view output);
// `debugfs -R "ncheck <inode>..."`: the paths of each inode (several for
// hard links; none for an inode without a name).
std::map<std::uint64_t, std::vector<std::string>> parse_ncheck(std::string_view output);

// One line of xfs_db's `blockuse -n`.
struct XfsBlockUse {
    std::uint64_t fsblock = 0;
    std::uint32_t ag = 0;
    std::uint32_t ag_block = 0;
    std::string type;  // "data", "inode", "free1", "log"...
    std::optional<std::uint64_t> inode;
    std::string path;  // from the root ("/d0/f1"); "" when xfs_db knows no name

    bool operator==(const XfsBlockUse&) const = default;
};
std::vector<XfsBlockUse> parse_blockuse(std::string_view output);

// What the XFS superblock (sector 0) says about where blocks are.
struct XfsGeometry {
    std::uint32_t block_size = 0;  // bytes
    std::uint32_t ag_blocks = 0;   // blocks per allocation group
};
// Throws ParseError when it is not an XFS superblock or its figures are odd.
XfsGeometry parse_xfs_superblock(std::span<const std::uint8_t> sector0);

// Where xfs_db must stand to tell who owns a file system block. Its daddr
// command reads the block it moves to, and a block with a lost sector
// cannot be read (xfs_db then stays where it was), so it stands on the
// nearest block before it in its allocation group that has no lost sector
// (at most max_xfs_lookback back) and shows the blocks from there on.
inline constexpr unsigned max_xfs_lookback = 64;

struct XfsLookup {
    std::uint64_t block = 0;  // file system block, counted from sector 0
    std::uint32_t ag = 0;
    std::uint32_t ag_block = 0;
    std::uint64_t daddr = 0;   // the sector to stand on: the start of a readable block
    unsigned count = 1;        // blockuse -c: the block is the last one shown
    std::vector<std::uint64_t> sectors;  // the lost sectors in the block

    bool operator==(const XfsLookup&) const = default;
};
// lost: ascending. Throws OperationError when no block near enough before it
// can be read.
std::vector<XfsLookup> plan_xfs_lookups(const std::vector<std::uint64_t>& lost, const XfsGeometry& geometry);

// The owners of lost sectors: each file with the sectors of it that are
// lost, and the sectors no file owns.
struct LostFile {
    std::uint64_t inode = 0;
    std::vector<std::string> paths;
    std::vector<std::uint64_t> sectors;  // device sectors, ascending

    bool operator==(const LostFile&) const = default;
};

struct LostOwners {
    std::string filesystem;
    std::vector<LostFile> files;  // by inode
    // Sectors in no file: free space, or file system metadata; with what
    // the tool says they are (XFS: the block type; ext: "free or metadata").
    std::vector<std::pair<std::uint64_t, std::string>> unowned;
};

// Runs the file system's tool on device (a file system that starts at
// sector 0 of it) for the given sectors. Throws OperationError when the file
// system is not one it knows, or the tool is missing or fails.
LostOwners find_lost_owners(const std::filesystem::path& device, const FilesystemInfo& fs,
                            const std::vector<std::uint64_t>& sectors);

}  // namespace dmremap
