#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "table_line.hpp"

namespace dmremap::cli {

struct CreateArgs {
    std::string name;
    std::string main;
    std::string spare;
    std::uint32_t block_size = default_block_size;
    bool no_auto_remap = false;
    unsigned read_retries = default_read_retries;

    TargetOptions options() const { return TargetOptions{block_size, !no_auto_remap, read_retries}; }
};

struct RemoveArgs {
    std::string name;
    bool force = false;
};

struct ListArgs {
    bool json = false;
};

struct StatusArgs {
    std::string name;
    bool json = false;
};

struct RemapsArgs {
    std::string name;
    bool json = false;
};

// remap and unremap.
struct BlocksArgs {
    std::string name;
    std::vector<std::uint64_t> blocks;
    bool json = false;
};

struct MetadataCheckArgs {
    std::string spare;
    bool json = false;
};

struct MetadataDumpArgs {
    std::string spare;
    std::string output;  // "" or "-": stdout
    bool salvage = false;
};

struct MetadataRestoreArgs {
    std::string dump;  // "-": stdin
    std::string spare;
    bool force = false;
};

struct MetadataRepairArgs {
    std::string spare;
    bool dry_run = false;
    bool json = false;
    bool force = false;
    std::string backup;  // "": none
};

// `dmremap metadata <command>`.
struct MetadataArgs {
    MetadataCheckArgs check;
    MetadataDumpArgs dump;
    MetadataRestoreArgs restore;
    MetadataRepairArgs repair;
};

// What the command line said, for every command.
struct Arguments {
    CreateArgs create;
    RemoveArgs remove;
    ListArgs list;
    StatusArgs status;
    RemapsArgs remaps;
    BlocksArgs remap;
    BlocksArgs unremap;
    MetadataArgs metadata;
};

}  // namespace dmremap::cli
