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
    bool dry_run = false;  // print the table line, load nothing

    TargetOptions options() const { return TargetOptions{block_size, !no_auto_remap, read_retries}; }
};

struct RemoveArgs {
    std::string name;
    bool force = false;
};

struct ListArgs {
    std::string columns;  // -o: "" for the defaults
    bool noheadings = false;
    bool raw = false;
    bool json = false;
};

struct StatusArgs {
    std::string name;
    bool json = false;
    bool watch = false;
    std::uint64_t count = 0;  // --watch: stop after this many redraws; 0: at a signal
};

struct EventsArgs {
    std::string name;  // "": every dm-remap device
    bool json = false;
    std::uint64_t count = 0;  // stop after this many lines; 0: at a signal
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

struct HealthArgs {
    std::string name;
    bool json = false;
};

// `scrub <name> start|stop|status`.
struct ScrubArgs {
    std::string name;
    std::string action;
    unsigned rate = 0;     // MiB/s; 0: not given
    unsigned measure = 0;  // seconds; 0: estimate from the rate
    bool json = false;
};

struct ImportBadblocksArgs {
    std::string name;
    std::string file;  // "-": stdin
    std::uint64_t input_block_size = 1024;  // badblocks' default -b
    bool lba = false;  // 512-byte LBAs
    bool dry_run = false;
    bool json = false;

    std::uint64_t listed_block_size() const { return lba ? 512 : input_block_size; }
};

struct LostFilesArgs {
    std::string name;
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
    EventsArgs events;
    RemapsArgs remaps;
    BlocksArgs remap;
    BlocksArgs unremap;
    HealthArgs health;
    ScrubArgs scrub;
    ImportBadblocksArgs import_badblocks;
    LostFilesArgs lost_files;
    MetadataArgs metadata;
};

}  // namespace dmremap::cli
