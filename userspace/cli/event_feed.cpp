#include "event_feed.hpp"

namespace dmremap::cli {

namespace {

// The fields status_changes() compares, in the contract's order.
std::vector<std::pair<std::string, Json>> tracked_fields(const TargetStatus& s)
{
    return {
        {"remapped", s.remapped},
        {"spare_free", s.spare_free},
        {"lost_sectors", s.lost_sectors},
        {"metadata_state", to_string(s.metadata_state)},
        {"health_score", s.health_score},
        {"health_state", to_string(s.health_state)},
    };
}

}  // namespace

std::vector<StatusChange> status_changes(const TargetStatus* before, const TargetStatus& after)
{
    std::vector<StatusChange> changes;
    if (!table_loaded(after)) {
        const Json to = to_string(after.metadata_state);
        Json from = before ? Json(to_string(before->metadata_state)) : Json(nullptr);
        if (from != to)
            changes.push_back({"metadata_state", std::move(from), to});
        return changes;
    }
    auto now = tracked_fields(after);
    if (!before) {
        for (auto& [field, value] : now)
            changes.push_back({std::move(field), nullptr, std::move(value)});
        return changes;
    }
    const auto then = tracked_fields(*before);
    for (std::size_t i = 0; i < now.size(); ++i) {
        if (then[i].second != now[i].second)
            changes.push_back({std::move(now[i].first), then[i].second, std::move(now[i].second)});
    }
    return changes;
}

std::optional<TargetStatus> status_to_remember(const TargetStatus* before, const TargetStatus& after)
{
    if (table_loaded(after))
        return after;
    if (!before)
        return std::nullopt;
    TargetStatus kept = *before;
    kept.metadata_state = after.metadata_state;
    return kept;
}

EventFeed::EventFeed(std::optional<std::string> name, StatusReader read_status)
    : name_(std::move(name)), read_status_(std::move(read_status))
{
}

void EventFeed::start(const std::vector<WatchedDevice>& devices)
{
    for (const WatchedDevice& device : devices) {
        if (name_ && device.entry.name != *name_)
            continue;
        followed_.insert(dev_number(device));
        const auto status = read_status_(device);
        if (auto kept = status ? status_to_remember(nullptr, *status) : std::nullopt)
            last_status_.insert_or_assign(dev_number(device), *kept);
    }
}

bool EventFeed::wanted(const DeviceChange& change)
{
    if (!name_)
        return true;
    const DevNumber number = dev_number(change.device);
    if (change.device.entry.name == *name_ ||
        (change.kind == DeviceChange::Kind::renamed && change.previous_name == *name_))
        followed_.insert(number);
    return followed_.contains(number);
}

std::vector<EventRecord> EventFeed::records(const std::vector<DeviceChange>& changes,
                                            std::chrono::system_clock::time_point now)
{
    std::vector<EventRecord> records;
    // Each device's status is read once per batch, after all its changes.
    std::map<DevNumber, std::optional<TargetStatus>> read;
    std::map<DevNumber, std::size_t> last_line;
    for (const DeviceChange& change : changes) {
        if (!wanted(change))
            continue;
        const DevNumber number = dev_number(change.device);
        EventRecord record{now, change, std::nullopt, {}};
        if (change.kind == DeviceChange::Kind::vanished) {
            followed_.erase(number);
            last_status_.erase(number);
            read.erase(number);
            last_line.erase(number);
        } else {
            auto [slot, first] = read.try_emplace(number);
            if (first)
                slot->second = read_status_(change.device);
            record.status = slot->second;
            last_line.insert_or_assign(number, records.size());
        }
        records.push_back(std::move(record));
    }
    for (const auto& [number, index] : last_line) {
        EventRecord& record = records[index];
        if (!record.status)
            continue;
        const auto found = last_status_.find(number);
        const TargetStatus* before = found == last_status_.end() ? nullptr : &found->second;
        record.changes = status_changes(before, *record.status);
        if (auto kept = status_to_remember(before, *record.status))
            last_status_.insert_or_assign(number, *kept);
    }
    return records;
}

}  // namespace dmremap::cli
