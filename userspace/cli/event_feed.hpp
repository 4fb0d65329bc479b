#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "remap_watcher.hpp"
#include "render.hpp"
#include "status.hpp"

// What `dmremap events` prints: the watcher's changes, filtered by name,
// each with the device's status and what changed in it since the
// device's previous line. No device access here (the status comes from a
// reader the caller gives), so the logic can be tested with fakes.
namespace dmremap::cli {

// A status field whose value changed: from is null when there was no
// earlier value (the device's first line).
struct StatusChange {
    std::string field;
    Json from;
    Json to;

    bool operator==(const StatusChange&) const = default;
};

// The status fields an event line reports changes of: the counts and
// states behind the kernel's events (target.md). A status of a table not
// loaded (table_loaded() false) has figures that are not the device's:
// only its metadata_state is compared.
std::vector<StatusChange> status_changes(const TargetStatus* before, const TargetStatus& after);

// What the next comparison starts from after a reading: the reading, or,
// for a table not loaded, the last loaded figures (if any) with its state,
// so that a reload shows as metadata_state going to unloaded and back,
// never as remapped dropping to 0 and coming back.
std::optional<TargetStatus> status_to_remember(const TargetStatus* before, const TargetStatus& after);

// One line of `dmremap events`.
struct EventRecord {
    std::chrono::system_clock::time_point time;
    DeviceChange change;  // kind, the device as now (removed: as last seen), previous name
    // Read after the change; absent for removed, or when it could not be read.
    std::optional<TargetStatus> status;
    // Since the device's previous line with a status; only on the last
    // line of a device in one batch, so a change is told once.
    std::vector<StatusChange> changes;
};

// Reads a device's status now; nullopt when it cannot (gone meanwhile).
using StatusReader = std::function<std::optional<TargetStatus>(const WatchedDevice&)>;

class EventFeed {
public:
    // name: only the device of that name (followed through renames until
    // it is removed, and any device later created under the name); nullopt:
    // every dm-remap device.
    EventFeed(std::optional<std::string> name, StatusReader read_status);

    // The devices there were when watching began: not reported, but their
    // status is read, so that their first event line tells what changed.
    void start(const std::vector<WatchedDevice>& devices);

    // The lines for one rescan's changes, in the watcher's order.
    std::vector<EventRecord> records(const std::vector<DeviceChange>& changes,
                                     std::chrono::system_clock::time_point now);

private:
    bool wanted(const DeviceChange& change);

    std::optional<std::string> name_;
    StatusReader read_status_;
    std::map<DevNumber, TargetStatus> last_status_;
    std::set<DevNumber> followed_;  // with a name: the devices it matched
};

}  // namespace dmremap::cli
