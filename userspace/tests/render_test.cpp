#include "render.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "block_results.hpp"
#include "list_table.hpp"

namespace dmremap::cli {
namespace {

TargetStatus sample_status()
{
    TargetStatus status;
    status.block_size = 4096;
    status.remapped = 3;
    status.spare_total = 1000;
    status.spare_free = 997;
    status.read_errors = 5;
    status.write_errors = 1;
    status.auto_remaps = 2;
    status.lost_sectors = 8;
    status.metadata_seq = 42;
    status.metadata_state = MetadataState::degraded;
    status.health_score = 95;
    status.health_state = HealthState::warning;
    return status;
}

std::vector<std::string> keys(const Json& object)
{
    std::vector<std::string> names;
    for (const auto& item : object.items())
        names.push_back(item.key());
    return names;
}

TEST(RenderStatus, JsonHasTheContractFieldsInOrder)
{
    const Json document = status_json(DeviceId{"r0", "dm-3"}, sample_status());
    EXPECT_EQ(keys(document),
              (std::vector<std::string>{"schema", "name", "device", "block_size", "remapped", "spare_total",
                                        "spare_free", "read_errors", "write_errors", "auto_remaps",
                                        "lost_sectors", "metadata_seq", "metadata_state",
                                        "health_score", "health_state", "extra"}));
    EXPECT_EQ(document["name"], "r0");
    EXPECT_EQ(document["device"], "dm-3");
    EXPECT_EQ(document["block_size"], 4096);
    EXPECT_EQ(document["spare_free"], 997);
    EXPECT_EQ(document["metadata_seq"], 42);
    EXPECT_EQ(document["metadata_state"], "degraded");
    EXPECT_EQ(document["health_score"], 95);
    EXPECT_EQ(document["health_state"], "warning");
    EXPECT_TRUE(document["extra"].is_array());
    EXPECT_TRUE(document["extra"].empty());
}

TEST(RenderStatus, JsonKeepsFullRangeCountersAndExtraFields)
{
    TargetStatus status = sample_status();
    status.lost_sectors = UINT64_MAX;
    status.extra = {"7", "x=1"};
    const Json document = Json::parse(status_json(DeviceId{"r0", "dm-3"}, status).dump());
    EXPECT_EQ(document["lost_sectors"].get<std::uint64_t>(), UINT64_MAX);
    EXPECT_EQ(document["extra"], Json::array({"7", "x=1"}));
}

TEST(RenderStatus, TextShowsOneFieldPerLine)
{
    std::ostringstream out;
    write_status_text(out, DeviceId{"r0", "dm-3"}, sample_status());
    const std::string text = out.str();
    EXPECT_EQ(text.substr(0, text.find('\n')), "name            r0");
    EXPECT_NE(text.find("\nmetadata_state  degraded\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nhealth_state    warning\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("extra"), std::string::npos);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 14);
}

TEST(RenderList, JsonListsDevicesUnderDevices)
{
    DeviceSummary summary{DeviceId{"r0", "dm-3"}, TableParams{"8:16", "8:32", {}, {}}, "sdb", "sdc",
                          sample_status()};
    const Json document = device_list_json({summary});
    EXPECT_EQ(keys(document), (std::vector<std::string>{"schema", "devices"}));
    ASSERT_TRUE(document["devices"].is_array());
    ASSERT_EQ(document["devices"].size(), 1u);
    const Json& device = document["devices"][0];
    EXPECT_EQ(keys(device),
              (std::vector<std::string>{"name", "device", "main", "spare", "block_size", "remapped",
                                        "spare_total", "spare_free", "metadata_state",
                                        "health_score", "health_state"}));
    EXPECT_EQ(device["main"], "8:16");
    EXPECT_EQ(device["spare"], "8:32");
    EXPECT_EQ(device["remapped"], 3);
    EXPECT_EQ(device["health_state"], "warning");
}

TEST(RenderList, JsonOfNoDevicesIsAnEmptyArray)
{
    EXPECT_EQ(device_list_json({}).dump(), R"({"schema":1,"devices":[]})");
}

TEST(RenderList, TextHasAHeaderAndKernelNames)
{
    const std::vector<DeviceSummary> devices{DeviceSummary{
        DeviceId{"r0", "dm-3"}, TableParams{"8:16", "8:32", {}, {}}, "sdb", std::nullopt, sample_status()}};
    std::ostringstream out;
    write_device_list_table(out, devices, ListFormat{});
    EXPECT_EQ(out.str(),
              "NAME DEVICE MAIN SPARE BLOCK_SIZE REMAPPED SPARE_FREE HEALTH_SCORE HEALTH_STATE\n"
              "r0   dm-3   sdb  8:32        4096        3        997           95 warning\n");

    std::ostringstream empty;
    write_device_list_table(empty, {}, ListFormat{});
    EXPECT_EQ(empty.str(), "");
}

TEST(RenderList, ChosenColumnsRawAndNoHeadings)
{
    DeviceSummary d{DeviceId{"my disk", "dm-3"}, TableParams{"8:16", "8:32", {}, {}}, "sdb", "sdc",
                    sample_status()};
    const std::vector<std::string_view> names = list_column_names();
    const auto index = [&names](std::string_view name) {
        return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    };
    std::ostringstream out;
    write_device_list_table(out, {d},
                            ListFormat{{index("NAME"), index("LOST_SECTORS"), index("METADATA_STATE")}, true, true});
    EXPECT_EQ(out.str(), "my\\x20disk 8 degraded\n");
}

TEST(RenderRemaps, JsonStreamIsOneDocument)
{
    std::ostringstream out;
    auto writer = make_remap_list_writer(out, DeviceId{"r\"0", "dm-3"}, true);
    writer->add(RemapEntry{1, 0, "-"});
    writer->add(RemapEntry{UINT64_MAX, 7, "MLA"});
    writer->add(RemapEntry{9, 8, "Z"});
    writer->finish();
    const Json document = Json::parse(out.str());
    EXPECT_EQ(keys(document), (std::vector<std::string>{"schema", "name", "device", "remaps"}));
    EXPECT_EQ(document["schema"], 1);
    EXPECT_EQ(document["name"], "r\"0");
    ASSERT_EQ(document["remaps"].size(), 3u);
    EXPECT_EQ(keys(document["remaps"][0]), (std::vector<std::string>{"block", "spare_block", "flags"}));
    EXPECT_EQ(document["remaps"][0]["flags"], Json::array());
    EXPECT_EQ(document["remaps"][1]["flags"], Json::array({"moving", "lost", "auto"}));
    EXPECT_EQ(document["remaps"][2]["flags"], Json::array({"Z"}));
    EXPECT_EQ(document["remaps"][1]["block"].get<std::uint64_t>(), UINT64_MAX);
    EXPECT_EQ(document["remaps"][1]["spare_block"], 7);
}

TEST(RenderRemaps, JsonStreamOfNoRemapsHasAnEmptyArray)
{
    std::ostringstream out;
    auto writer = make_remap_list_writer(out, DeviceId{"r0", "dm-3"}, true);
    writer->finish();
    const Json document = Json::parse(out.str());
    EXPECT_TRUE(document["remaps"].is_array());
    EXPECT_TRUE(document["remaps"].empty());
}

TEST(RenderRemaps, TextIsOneRemapPerLine)
{
    std::ostringstream out;
    auto writer = make_remap_list_writer(out, DeviceId{"r0", "dm-3"}, false);
    writer->add(RemapEntry{1, 0, "-"});
    writer->add(RemapEntry{9, 4, "R"});
    writer->finish();
    EXPECT_EQ(out.str(), "1 0 -\n9 4 R\n");
}

TEST(RenderBlockResults, RemapAndUnremapHaveOneShape)
{
    const BlockResults results{{{5, 17}, {6, std::nullopt}}, {{9, "no such block"}}};
    const Json document = block_results_json(DeviceId{"r0", "dm-3"}, results);
    EXPECT_EQ(keys(document), (std::vector<std::string>{"schema", "name", "device", "blocks", "failed"}));
    EXPECT_EQ(document["schema"], 1);
    EXPECT_EQ(document["blocks"],
              Json::parse(R"([{"block":5,"spare_block":17},{"block":6,"spare_block":null}])"));
    EXPECT_EQ(document["failed"], Json::parse(R"([{"block":9,"error":"no such block"}])"));
    std::ostringstream with_spare, blocks_only;
    write_block_results_text(with_spare, results, true);
    EXPECT_EQ(with_spare.str(), "5 17\n6\n");
    write_block_results_text(blocks_only, results, false);
    EXPECT_EQ(blocks_only.str(), "5\n6\n");
}

TEST(RenderJson, WritesOneDocumentAndANewline)
{
    std::ostringstream out;
    write_json(out, Json::parse(R"({"a":1})"));
    EXPECT_EQ(out.str(), "{\n  \"a\": 1\n}\n");
}

}  // namespace
}  // namespace dmremap::cli
