#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "replies.hpp"
#include "status.hpp"
#include "table_line.hpp"

// How each command shows its data, as text for people or as one JSON
// document whose keys are the contract's field names. Nothing here touches
// a device, so the shapes can be tested.
namespace dmremap::cli {

using Json = nlohmann::ordered_json;

// The version of every --json document's shape, its first key "schema".
inline constexpr int json_schema = 1;

// {"schema": 1}, to which a document adds its keys.
// A remap's flag letters as names: "LA" -> ["lost", "auto"], "-" -> [];
// M moving, L lost, A auto, U uncertain; an unknown letter as itself.
std::vector<std::string> remap_flag_names(std::string_view letters);

Json json_document();
// What a --json command prints when it fails before its document began.
Json error_json(const std::string& message);

// A device as the user names it and as the kernel does.
struct DeviceId {
    std::string name;    // device-mapper name
    std::string device;  // "dm-N"
};

// One row of `dmremap list`.
struct DeviceSummary {
    DeviceId id;
    TableParams table;
    // Kernel names of the main and spare devices, when sysfs knows them.
    std::optional<std::string> main_name;
    std::optional<std::string> spare_name;
    TargetStatus status;
};

// The start of a document about one device: schema, name, device.
Json device_document(const DeviceId& id);

// Left-aligned columns separated by two spaces.
void write_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

Json status_json(const DeviceId& id, const TargetStatus& status);
void write_status_text(std::ostream& out, const DeviceId& id, const TargetStatus& status);

Json device_list_json(const std::vector<DeviceSummary>& devices);

// Writes remaps as they come, so a table of millions of remaps is never
// held in memory: add() each, then finish() once.
class RemapListWriter {
public:
    virtual ~RemapListWriter() = default;
    virtual void add(const RemapEntry& entry) = 0;
    virtual void finish() = 0;
};
std::unique_ptr<RemapListWriter> make_remap_list_writer(std::ostream& out, const DeviceId& id,
                                                        bool json);

// One JSON document and a newline.
void write_json(std::ostream& out, const Json& document);

}  // namespace dmremap::cli
