#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "dm_control.hpp"
#include "replies.hpp"
#include "status.hpp"
#include "table_line.hpp"

namespace dmremap {

// A device-mapper device whose table has one dm-remap target, spoken to
// through its status and target messages.
class RemapDevice {
public:
    // The number of remaps `list` returns when no count is given.
    static constexpr std::uint64_t list_page = 1000;

    // Looks the device up. Throws DmError when there is no such device and
    // OperationError when its table has no remap target, or more than one.
    RemapDevice(DmControl& dm, std::string name);

    const std::string& name() const noexcept { return name_; }
    const DeviceInfo& info() const noexcept { return info_; }
    // The table line of the remap target and its parsed params.
    const Target& target() const noexcept { return target_; }
    const TableParams& table() const noexcept { return table_; }

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
