#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dm_control.hpp"
#include "replies.hpp"
#include "scrub.hpp"
#include "status.hpp"
#include "table_line.hpp"

namespace dmremap {

// A device-mapper device whose table has one dm-remap target, spoken to
// through its status and target messages.
class RemapDevice {
public:
    // The number of remaps `list` returns when no count is given.
    static constexpr std::uint64_t list_page = 1000;
    // The most blocks the kernel takes in one remap / unremap message
    // (kernel/dm-remap-message.c).
    static constexpr std::size_t max_remap_batch = 1024;
    static constexpr std::size_t max_unremap_batch = 512;

    // Looks the device up. Throws DmError when there is no such device and
    // OperationError when its table has no remap target, or more than one.
    RemapDevice(DmControl& dm, std::string name);

    const std::string& name() const noexcept { return name_; }
    const DeviceInfo& info() const noexcept { return info_; }
    // The table line of the remap target and its parsed params.
    const Target& target() const noexcept { return target_; }
    const TableParams& table() const noexcept { return table_; }
    // Blocks of the target: its length in whole blocks of the table's block size.
    std::uint64_t nr_blocks() const noexcept;

    TargetStatus status();
    RemapReply remap(std::uint64_t block);
    void unremap(std::uint64_t block);
    // Several blocks in one message, all or none: the kernel takes up to
    // 1024 blocks per remap and 512 per unremap message.
    std::vector<RemapReply> remap(std::span<const std::uint64_t> blocks);
    void unremap(std::span<const std::uint64_t> blocks);
    // Up to count remaps from block start on, ascending.
    std::vector<RemapEntry> list(std::uint64_t start, std::uint64_t count = list_page);
    // Every remap, ascending, fetched a page at a time; returns how many.
    std::uint64_t for_each_remap(const std::function<void(const RemapEntry&)>& visit);
    KeyValues stats();
    HealthReport health();
    ScrubStatus scrub_status();
    // Starts a pass (or goes on from where the last stopped); on a running
    // scrub only sets the rate. rate in MiB/s, scrub_min_rate to
    // scrub_max_rate; none: the kernel's default.
    void scrub_start(std::optional<unsigned> rate);
    void scrub_stop();
    // Makes every remap durable; returns the new metadata sequence number.
    std::uint64_t commit();
    // Any other message, with the raw reply.
    std::string message(const std::string& text);

private:
    DmControl* dm_;
    std::string name_;
    DeviceInfo info_;
    Target target_;
    TableParams table_;
};

// Every device that has a remap target in its live table.
std::vector<DeviceEntry> find_remap_devices(DmControl& dm);

}  // namespace dmremap
