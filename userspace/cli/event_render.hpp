#pragma once

#include <chrono>
#include <string>

#include "event_feed.hpp"
#include "render.hpp"

// How `dmremap events` writes a line: text for scripts that split on
// blanks, or one JSON document per line.
namespace dmremap::cli {

// "2026-11-27T13:45:01Z": ISO 8601, UTC, whole seconds.
std::string iso8601_utc(std::chrono::system_clock::time_point time);

// The kind as `events` names it: created, removed, renamed, reloaded, event.
std::string_view event_kind_name(DeviceChange::Kind kind);

// TIME NAME dm-N KIND event_nr=N [previous_name=OLD] [FIELD=VALUE | FIELD=OLD->NEW]...
std::string event_text(const EventRecord& record);

// {"schema": 1, "time", "name", "device", "kind", "event_nr",
//  ["previous_name"], "changes": {FIELD: {"from", "to"}}, "status": {...} | null}
Json event_json(const EventRecord& record);

}  // namespace dmremap::cli
