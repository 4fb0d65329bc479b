#include "table_line.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "error.hpp"

namespace dmremap {
namespace {

std::string parse_error(const std::string& params)
{
    try {
        parse_table_params(params);
    } catch (const ParseError& error) {
        return error.what();
    }
    ADD_FAILURE() << "no ParseError for '" << params << "'";
    return {};
}

TEST(TableLineBuild, LeavesOutDefaults)
{
    EXPECT_EQ(build_table_line(2048, "8:16", "8:32", TargetOptions{}), "0 2048 remap 8:16 8:32");
    EXPECT_EQ(build_table_line(2048, "8:16", "8:32", TargetOptions{4096, true, 2}),
              "0 2048 remap 8:16 8:32");
}

TEST(TableLineBuild, WritesEachNonDefaultArgument)
{
    EXPECT_EQ(build_table_line(2048, "8:16", "8:32", TargetOptions{512, true, 2}),
              "0 2048 remap 8:16 8:32 2 block_size 512");
    EXPECT_EQ(build_table_line(2048, "8:16", "8:32", TargetOptions{4096, false, 2}),
              "0 2048 remap 8:16 8:32 1 no_auto_remap");
    EXPECT_EQ(build_table_line(2048, "8:16", "8:32", TargetOptions{4096, true, 0}),
              "0 2048 remap 8:16 8:32 2 read_retries 0");
    EXPECT_EQ(build_table_line(2048, "/dev/sdb", "/dev/sdc", TargetOptions{65536, false, 16}),
              "0 2048 remap /dev/sdb /dev/sdc 5 block_size 65536 no_auto_remap read_retries 16");
}

TEST(TableLineBuild, BuildsTargetParamsAlone)
{
    EXPECT_EQ(build_target_params("253:1", "253:2", TargetOptions{1024, false, 2}),
              "253:1 253:2 3 block_size 1024 no_auto_remap");
    EXPECT_EQ(feature_args(TargetOptions{}), std::vector<std::string>{});
}

TEST(TableLineBuild, RejectsInvalidOptions)
{
    for (std::uint32_t size : {0u, 256u, 1000u, 4095u, 131072u})
        EXPECT_THROW(build_table_line(2048, "8:16", "8:32", TargetOptions{size, true, 2}),
                     std::invalid_argument)
            << size;
    EXPECT_THROW(build_table_line(2048, "8:16", "8:32", TargetOptions{4096, true, 17}),
                 std::invalid_argument);
    EXPECT_THROW(build_target_params("", "8:32", TargetOptions{}), std::invalid_argument);
}

TEST(TableLineBuild, RequiresALengthOfWholeBlocks)
{
    EXPECT_THROW(build_table_line(0, "8:16", "8:32", TargetOptions{}), std::invalid_argument);
    EXPECT_THROW(build_table_line(2047, "8:16", "8:32", TargetOptions{}), std::invalid_argument);
    EXPECT_NO_THROW(build_table_line(1, "8:16", "8:32", TargetOptions{512, true, 2}));
}

TEST(TableLineBuild, RoundsTheDeviceDownToWholeBlocks)
{
    EXPECT_EQ(usable_length_sectors(1 << 20, 4096), 2048u);
    EXPECT_EQ(usable_length_sectors((1 << 20) + 4095, 4096), 2048u);
    EXPECT_EQ(usable_length_sectors((1 << 20) + 4096, 4096), 2056u);
    EXPECT_EQ(usable_length_sectors(1000, 512), 1u);
    EXPECT_EQ(usable_length_sectors(4095, 4096), 0u);
    EXPECT_THROW(usable_length_sectors(1 << 20, 3000), std::invalid_argument);
}

TEST(TableLineBuild, KnowsValidBlockSizes)
{
    for (std::uint64_t size = 512; size <= 65536; size *= 2)
        EXPECT_TRUE(is_valid_block_size(size)) << size;
    for (std::uint64_t size : {0u, 1u, 256u, 513u, 3072u, 131072u})
        EXPECT_FALSE(is_valid_block_size(size)) << size;
}

TEST(TableParamsParse, ReadsTheTwoArgumentForm)
{
    const TableParams table = parse_table_params("8:16 8:32");
    EXPECT_EQ(table.main_dev, "8:16");
    EXPECT_EQ(table.spare_dev, "8:32");
    EXPECT_EQ(table.options, TargetOptions{});
    EXPECT_TRUE(table.unknown_args.empty());
}

TEST(TableParamsParse, ReadsFeatureArguments)
{
    const TableParams table =
        parse_table_params("259:0 259:1 5 read_retries 7 no_auto_remap block_size 512");
    EXPECT_EQ(table.options, (TargetOptions{512, false, 7}));
}

TEST(TableParamsParse, RoundTripsWhatIsBuilt)
{
    for (const TargetOptions& options :
         {TargetOptions{}, TargetOptions{512, true, 2}, TargetOptions{4096, false, 0},
          TargetOptions{65536, false, 16}, TargetOptions{8192, true, 3}}) {
        const TableParams table = parse_table_params(build_target_params("8:16", "8:32", options));
        EXPECT_EQ(table.options, options);
        EXPECT_EQ(table.main_dev, "8:16");
        EXPECT_EQ(table.spare_dev, "8:32");
    }
}

TEST(TableParamsParse, KeepsUnknownArguments)
{
    const TableParams table = parse_table_params("8:16 8:32 3 future_flag no_auto_remap other");
    EXPECT_EQ(table.unknown_args, (std::vector<std::string>{"future_flag", "other"}));
    EXPECT_FALSE(table.options.auto_remap);
}

TEST(TableParamsParse, RejectsMissingOrMalformedDevices)
{
    EXPECT_NE(parse_error("").find("main device"), std::string::npos);
    EXPECT_NE(parse_error("8:16").find("spare device"), std::string::npos);
    EXPECT_NE(parse_error("/dev/sdb 8:32").find("main device"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:").find("spare device"), std::string::npos);
    EXPECT_NE(parse_error("8:16 :32").find("major:minor"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:3x").find("major:minor"), std::string::npos);
}

TEST(TableParamsParse, RejectsAWrongArgumentCount)
{
    EXPECT_NE(parse_error("8:16 8:32 2 no_auto_remap").find("says 2 but 1 follow"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:32 x").find("argument count"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:32 0 no_auto_remap").find("says 0"), std::string::npos);
}

TEST(TableParamsParse, RejectsBadValues)
{
    EXPECT_NE(parse_error("8:16 8:32 1 block_size").find("missing its value"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:32 2 block_size 1000").find("'block_size'"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:32 2 block_size 131072").find("out of range"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:32 2 read_retries 17").find("'read_retries'"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:32 2 read_retries x").find("expected a number"), std::string::npos);
    EXPECT_NE(parse_error("8:16 8:32 2 no_auto_remap no_auto_remap").find("given twice"),
              std::string::npos);
}

TEST(TableTargetType, AcceptsTheTargetAndItsV4Name)
{
    EXPECT_TRUE(is_remap_target_type("remap"));
    EXPECT_TRUE(is_remap_target_type("dm-remap-v4"));
    EXPECT_FALSE(is_remap_target_type("linear"));
    EXPECT_FALSE(is_remap_target_type("remap2"));
}

}  // namespace
}  // namespace dmremap
