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

}  // namespace
}  // namespace dmremap::cli
