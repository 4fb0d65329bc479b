#include "event_render.hpp"

#include <ctime>

namespace dmremap::cli {

namespace {

// A value as text: strings without their quotes.
std::string plain(const Json& value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point time)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[32];
    const std::size_t length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(text, length);
}

std::string_view event_kind_name(DeviceChange::Kind kind)
{
    // The watcher's words, but for people a device is created and removed.
    if (kind == DeviceChange::Kind::appeared)
        return "created";
    if (kind == DeviceChange::Kind::vanished)
        return "removed";
    return to_string(kind);
}

std::string event_text(const EventRecord& record)
{
    const WatchedDevice& device = record.change.device;
    std::string line = iso8601_utc(record.time) + ' ' + device.entry.name + ' ' +
                       device.entry.kernel_name() + ' ' +
                       std::string(event_kind_name(record.change.kind)) +
                       " event_nr=" + std::to_string(device.event_nr);
    if (record.change.kind == DeviceChange::Kind::renamed)
        line += " previous_name=" + record.change.previous_name;
    for (const StatusChange& change : record.changes) {
        line += ' ' + change.field + '=';
        if (!change.from.is_null())
            line += plain(change.from) + "->";
        line += plain(change.to);
    }
    return line;
}

Json event_json(const EventRecord& record)
{
    const WatchedDevice& device = record.change.device;
    const DeviceId id{device.entry.name, device.entry.kernel_name()};
    Json document = device_document(id);
    document["time"] = iso8601_utc(record.time);
    document["kind"] = event_kind_name(record.change.kind);
    document["event_nr"] = device.event_nr;
    if (record.change.kind == DeviceChange::Kind::renamed)
        document["previous_name"] = record.change.previous_name;
    Json changes = Json::object();
    for (const StatusChange& change : record.changes)
        changes[change.field] = Json{{"from", change.from}, {"to", change.to}};
    document["changes"] = std::move(changes);
    if (record.status) {
        Json status = status_json(id, *record.status);
        for (const char* key : {"schema", "name", "device"})
            status.erase(key);
        document["status"] = std::move(status);
    } else {
        document["status"] = nullptr;
    }
    return document;
}

}  // namespace dmremap::cli
