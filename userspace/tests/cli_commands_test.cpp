#include <gtest/gtest.h>

#include "cli_test_support.hpp"

// The command lines of health, scrub, import-badblocks, lost-files.
namespace dmremap::cli {
namespace {

TEST(CliHealth, TakesNameAndJson)
{
    Cli cli;
    parse(cli, {"health", "r0", "--json"});
    EXPECT_EQ(cli.selected_command(), "health");
    EXPECT_EQ(cli.arguments().health.name, "r0");
    EXPECT_TRUE(cli.arguments().health.json);
    EXPECT_TRUE(rejects({"health"}));
    EXPECT_TRUE(rejects({"health", "r0", "r1"}));
}

TEST(CliScrub, TakesAnActionAndItsOptions)
{
    Cli start;
    parse(start, {"scrub", "r0", "start", "--rate", "100"});
    EXPECT_EQ(start.arguments().scrub.name, "r0");
    EXPECT_EQ(start.arguments().scrub.action, "start");
    EXPECT_EQ(start.arguments().scrub.rate, 100u);
    Cli plain;
    parse(plain, {"scrub", "r0", "start"});
    EXPECT_EQ(plain.arguments().scrub.rate, 0u);
    Cli status;
    parse(status, {"scrub", "r0", "status", "--json", "--measure", "2"});
    EXPECT_TRUE(status.arguments().scrub.json);
    EXPECT_EQ(status.arguments().scrub.measure, 2u);
    Cli stop;
    parse(stop, {"scrub", "r0", "stop"});
    EXPECT_EQ(stop.arguments().scrub.action, "stop");
}

TEST(CliScrub, RejectsWhatAnActionDoesNotTake)
{
    EXPECT_TRUE(rejects({"scrub", "r0"}));
    EXPECT_TRUE(rejects({"scrub", "r0", "pause"}));
    EXPECT_TRUE(rejects({"scrub", "r0", "start", "--rate", "0"}));
    EXPECT_TRUE(rejects({"scrub", "r0", "start", "--rate", "10001"}));
    EXPECT_TRUE(rejects({"scrub", "r0", "stop", "--rate", "5"}));
    EXPECT_TRUE(rejects({"scrub", "r0", "start", "--json"}));
    EXPECT_TRUE(rejects({"scrub", "r0", "stop", "--measure", "1"}));
    EXPECT_TRUE(rejects({"scrub", "r0", "status", "--measure", "0"}));
    const RunResult result = run({"scrub", "r0", "stop", "--rate", "5"});
    EXPECT_EQ(result.status, exit_usage);
    EXPECT_NE(result.err.find("--rate"), std::string::npos) << result.err;
}

TEST(CliImportBadblocks, TakesAFileAndItsUnits)
{
    Cli cli;
    parse(cli, {"import-badblocks", "r0", "bb.txt"});
    const ImportBadblocksArgs& args = cli.arguments().import_badblocks;
    EXPECT_EQ(args.file, "bb.txt");
    EXPECT_EQ(args.listed_block_size(), 1024u);
    EXPECT_FALSE(args.dry_run);
    Cli lba;
    parse(lba, {"import-badblocks", "r0", "-", "--lba", "-n", "--json"});
    EXPECT_EQ(lba.arguments().import_badblocks.file, "-");
    EXPECT_EQ(lba.arguments().import_badblocks.listed_block_size(), 512u);
    EXPECT_TRUE(lba.arguments().import_badblocks.dry_run);
    EXPECT_TRUE(lba.arguments().import_badblocks.json);
    Cli sized;
    parse(sized, {"import-badblocks", "r0", "bb.txt", "--input-block-size", "4096"});
    EXPECT_EQ(sized.arguments().import_badblocks.listed_block_size(), 4096u);
    EXPECT_TRUE(rejects({"import-badblocks", "r0"}));
    EXPECT_TRUE(rejects({"import-badblocks", "r0", "f", "--lba", "--input-block-size", "4096"}));
    EXPECT_TRUE(rejects({"import-badblocks", "r0", "f", "--input-block-size", "0"}));
}

TEST(CliLostFiles, TakesNameAndJson)
{
    Cli cli;
    parse(cli, {"lost-files", "r0", "--json"});
    EXPECT_EQ(cli.arguments().lost_files.name, "r0");
    EXPECT_TRUE(cli.arguments().lost_files.json);
    EXPECT_TRUE(rejects({"lost-files"}));
}

TEST(CliCreate, TakesDryRun)
{
    Cli cli;
    parse(cli, {"create", "r0", "/dev/sdb", "/dev/sdc", "--dry-run"});
    EXPECT_TRUE(cli.arguments().create.dry_run);
    // The checks still run: a character device is refused.
    const RunResult result = run({"create", "r0", "/dev/null", "/dev/null", "-n"});
    EXPECT_EQ(result.status, exit_failure);
    EXPECT_EQ(result.out, "");
    EXPECT_NE(result.err.find("neither a block device nor a regular file"), std::string::npos) << result.err;
}

TEST(CliList, TakesColumnsAndTheirOptions)
{
    Cli cli;
    parse(cli, {"list", "-o", "+lost_sectors,name", "-n", "-r"});
    EXPECT_EQ(cli.arguments().list.columns, "+lost_sectors,name");
    EXPECT_TRUE(cli.arguments().list.noheadings);
    EXPECT_TRUE(cli.arguments().list.raw);
}

TEST(CliList, RefusesUnknownColumnsAndJsonWithColumns)
{
    EXPECT_FALSE(rejects({"list", "-o", "NAME,lost_sectors", "--noheadings", "--raw"}));
    EXPECT_FALSE(rejects({"list", "-o", "+READ_ERRORS"}));
    EXPECT_TRUE(rejects({"list", "-o", "NAME,SIZE"}));
    EXPECT_TRUE(rejects({"list", "-o", "NAME", "--json"}));
    const RunResult result = run({"list", "-o", "SIZE"});
    EXPECT_EQ(result.status, exit_usage);
    EXPECT_NE(result.err.find("unknown column 'SIZE'"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace dmremap::cli
