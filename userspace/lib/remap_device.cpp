#include "remap_device.hpp"

#include <cerrno>

#include "error.hpp"

namespace dmremap {

namespace {

std::vector<Target> remap_targets(const std::vector<Target>& lines)
{
    std::vector<Target> found;
    for (const Target& line : lines) {
        if (is_remap_target_type(line.type))
            found.push_back(line);
    }
    return found;
}

std::string with_blocks(std::string_view verb, std::span<const std::uint64_t> blocks)
{
    std::string text(verb);
    for (std::uint64_t block : blocks)
        text += " " + std::to_string(block);
    return text;
}

// A reply that does not name the blocks asked for, in order, means the
// kernel and this program disagree about the protocol: trust neither.
void require_same_blocks(std::string_view verb, std::span<const std::uint64_t> asked,
                         const std::vector<std::uint64_t>& replied)
{
    const std::string context = std::string(verb) + " reply";
    if (replied.size() != asked.size()) {
        throw ParseError(context, std::to_string(replied.size()) + " lines for " +
                                      std::to_string(asked.size()) + " blocks");
    }
    for (std::size_t i = 0; i < asked.size(); ++i) {
        if (replied[i] != asked[i]) {
            throw ParseError(context + " line " + std::to_string(i + 1),
                             "names block " + std::to_string(replied[i]) + ", not the requested " +
                                 std::to_string(asked[i]));
        }
    }
}

}  // namespace

RemapDevice::RemapDevice(DmControl& dm, std::string name) : dm_(&dm), name_(std::move(name))
{
    auto info = dm.info(name_);
    if (!info)
        throw DmError("open", name_, ENXIO, {}, {});
    info_ = *info;

    const std::vector<Target> found = remap_targets(dm.table(name_));
    if (found.empty())
        throw OperationError("open", name_, "not a dm-remap device: its table has no remap target");
    if (found.size() > 1) {
        throw OperationError("open", name_,
                             "its table has " + std::to_string(found.size()) +
                                 " remap targets; dmremap handles devices with one");
    }
    target_ = found.front();
    try {
        table_ = parse_table_params(target_.params);
    } catch (const ParseError& error) {
        throw OperationError("open", name_, error.what());
    }
}

TargetStatus RemapDevice::status()
{
    for (const Target& line : dm_->status(name_)) {
        if (line.start == target_.start && is_remap_target_type(line.type))
            return parse_status(line.params);
    }
    throw OperationError("status", name_, "the remap target is gone from the live table");
}

std::string RemapDevice::message(const std::string& text)
{
    return dm_->message(name_, target_.start, text);
}

RemapReply RemapDevice::remap(std::uint64_t block)
{
    return remap(std::span<const std::uint64_t>(&block, 1)).front();
}

void RemapDevice::unremap(std::uint64_t block)
{
    unremap(std::span<const std::uint64_t>(&block, 1));
}

std::vector<RemapReply> RemapDevice::remap(std::span<const std::uint64_t> blocks)
{
    if (blocks.empty())
        return {};
    std::vector<RemapReply> replies = parse_remap_batch_reply(message(with_blocks("remap", blocks)));
    std::vector<std::uint64_t> replied;
    for (const RemapReply& reply : replies)
        replied.push_back(reply.block);
    require_same_blocks("remap", blocks, replied);
    return replies;
}

void RemapDevice::unremap(std::span<const std::uint64_t> blocks)
{
    if (blocks.empty())
        return;
    require_same_blocks("unremap", blocks,
                        parse_unremap_batch_reply(message(with_blocks("unremap", blocks))));
}

std::vector<RemapEntry> RemapDevice::list(std::uint64_t start, std::uint64_t count)
{
    std::vector<RemapEntry> entries = parse_list_reply(
        message("list " + std::to_string(start) + " " + std::to_string(count)));
    if (entries.size() > count) {
        throw ParseError("list reply", std::to_string(entries.size()) + " lines for a count of " +
                                           std::to_string(count));
    }
    if (!entries.empty() && entries.front().block < start) {
        throw ParseError("list reply", "starts at block " + std::to_string(entries.front().block) +
                                           ", before the requested " + std::to_string(start));
    }
    return entries;
}

std::uint64_t RemapDevice::for_each_remap(const std::function<void(const RemapEntry&)>& visit)
{
    std::uint64_t total = 0;
    std::uint64_t start = 0;
    for (;;) {
        const std::vector<RemapEntry> page = list(start, list_page);
        for (const RemapEntry& entry : page)
            visit(entry);
        total += page.size();
        if (page.size() < list_page || page.back().block == UINT64_MAX)
            return total;
        start = page.back().block + 1;
    }
}

KeyValues RemapDevice::stats()
{
    return parse_stats_reply(message("stats"));
}

std::uint64_t RemapDevice::nr_blocks() const noexcept
{
    const std::uint64_t block_sectors = table_.options.block_size / sector_size;
    return block_sectors ? target_.length / block_sectors : 0;
}

ScrubStatus RemapDevice::scrub_status()
{
    return parse_scrub_status_reply(message("scrub status"));
}

void RemapDevice::scrub_start(std::optional<unsigned> rate)
{
    message(rate ? "scrub start " + std::to_string(*rate) : std::string("scrub start"));
}

void RemapDevice::scrub_stop()
{
    message("scrub stop");
}

HealthReport RemapDevice::health()
{
    return parse_health_reply(message("health"));
}

std::uint64_t RemapDevice::commit()
{
    return parse_commit_reply(message("commit"));
}

std::vector<DeviceEntry> find_remap_devices(DmControl& dm)
{
    return dm.list_devices_with_target(
        [](std::string_view type) { return is_remap_target_type(type); });
}

}  // namespace dmremap
