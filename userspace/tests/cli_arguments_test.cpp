#include "app.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "version.hpp"

#include "cli_test_support.hpp"

namespace dmremap::cli {
namespace {

TEST(CliCreate, TakesNameDevicesAndDefaults)
{
    Cli cli;
    parse(cli, {"create", "r0", "/dev/sdb", "/dev/sdc"});
    EXPECT_EQ(cli.selected_command(), "create");
    const CreateArgs& args = cli.arguments().create;
    EXPECT_EQ(args.name, "r0");
    EXPECT_EQ(args.main, "/dev/sdb");
    EXPECT_EQ(args.spare, "/dev/sdc");
    EXPECT_EQ(args.options(), TargetOptions{});
}

TEST(CliCreate, TakesEveryOption)
{
    Cli cli;
    parse(cli, {"create", "r0", "/dev/sdb", "/dev/sdc", "--block-size", "512", "--no-auto-remap",
                "--read-retries", "0"});
    EXPECT_EQ(cli.arguments().create.options(), (TargetOptions{512, false, 0}));
}

TEST(CliCreate, RejectsBadBlockSizes)
{
    for (const char* size : {"0", "256", "1000", "131072", "-4096", "4k", ""})
        EXPECT_TRUE(rejects({"create", "r0", "a", "b", "--block-size", size})) << size;
    EXPECT_FALSE(rejects({"create", "r0", "a", "b", "--block-size", "65536"}));
}

TEST(CliCreate, RejectsReadRetriesOutOfRange)
{
    for (const char* retries : {"17", "-1", "x"})
        EXPECT_TRUE(rejects({"create", "r0", "a", "b", "--read-retries", retries})) << retries;
    EXPECT_FALSE(rejects({"create", "r0", "a", "b", "--read-retries", "16"}));
}

TEST(CliCreate, RejectsBadNames)
{
    for (const std::string& name :
         std::vector<std::string>{"", ".", "..", "a/b", "a b", "r\xc3\xa9", std::string(128, 'x')})
        EXPECT_TRUE(rejects({"create", name, "a", "b"})) << name;
    EXPECT_FALSE(rejects({"create", std::string(127, 'x'), "a", "b"}));
    EXPECT_FALSE(rejects({"create", "vg-0_data.remap#1+@=:", "a", "b"}));
}

TEST(CliCreate, RequiresThreeArguments)
{
    EXPECT_TRUE(rejects({"create"}));
    EXPECT_TRUE(rejects({"create", "r0", "/dev/sdb"}));
    EXPECT_TRUE(rejects({"create", "r0", "/dev/sdb", "/dev/sdc", "/dev/sdd"}));
}

TEST(CliRemove, TakesForce)
{
    Cli cli;
    parse(cli, {"remove", "r0", "--force"});
    EXPECT_EQ(cli.arguments().remove.name, "r0");
    EXPECT_TRUE(cli.arguments().remove.force);
    Cli plain;
    parse(plain, {"remove", "r0"});
    EXPECT_FALSE(plain.arguments().remove.force);
    EXPECT_TRUE(rejects({"remove"}));
    EXPECT_TRUE(rejects({"remove", "r0", "--json"}));
}

TEST(CliShowing, EveryShowingCommandTakesJson)
{
    Cli list;
    parse(list, {"list", "--json"});
    EXPECT_TRUE(list.arguments().list.json);
    Cli status;
    parse(status, {"status", "r0", "--json"});
    EXPECT_TRUE(status.arguments().status.json);
    EXPECT_EQ(status.arguments().status.name, "r0");
    Cli remaps;
    parse(remaps, {"remaps", "--json", "r0"});
    EXPECT_TRUE(remaps.arguments().remaps.json);
    Cli remap;
    parse(remap, {"remap", "r0", "1", "--json"});
    EXPECT_TRUE(remap.arguments().remap.json);
    Cli unremap;
    parse(unremap, {"unremap", "r0", "1", "--json"});
    EXPECT_TRUE(unremap.arguments().unremap.json);
}

TEST(CliShowing, RequireTheirDevice)
{
    EXPECT_TRUE(rejects({"status"}));
    EXPECT_TRUE(rejects({"remaps"}));
    EXPECT_TRUE(rejects({"list", "r0"}));
}

TEST(CliRemap, TakesSeveralBlocks)
{
    Cli cli;
    parse(cli, {"remap", "r0", "1", "5", "18446744073709551615"});
    EXPECT_EQ(cli.arguments().remap.name, "r0");
    EXPECT_EQ(cli.arguments().remap.blocks, (std::vector<std::uint64_t>{1, 5, UINT64_MAX}));
    Cli un;
    parse(un, {"unremap", "r0", "7"});
    EXPECT_EQ(un.arguments().unremap.blocks, (std::vector<std::uint64_t>{7}));
}

TEST(CliRemap, RejectsBadBlocks)
{
    for (const char* command : {"remap", "unremap"}) {
        EXPECT_TRUE(rejects({command, "r0"})) << command;
        EXPECT_TRUE(rejects({command, "r0", "x"})) << command;
        EXPECT_TRUE(rejects({command, "r0", "1", "-1"})) << command;
        EXPECT_TRUE(rejects({command, "r0", "1.5"})) << command;
        EXPECT_TRUE(rejects({command, "r0", "18446744073709551616"})) << command;
    }
}

TEST(CliRun, UsageErrorsExitWithTwoOnStderr)
{
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{}, {"frobnicate"}, {"create", "r0"}, {"remap", "r0", "x"},
          {"create", "r0", "a", "b", "--block-size", "3"}, {"list", "--bogus"}}) {
        const RunResult result = run(args);
        EXPECT_EQ(result.status, exit_usage);
        EXPECT_EQ(result.out, "");
        EXPECT_NE(result.err, "");
    }
}

TEST(CliRun, HelpAndVersionExitWithZeroOnStdout)
{
    const RunResult help = run({"--help"});
    EXPECT_EQ(help.status, exit_success);
    EXPECT_NE(help.out.find("create"), std::string::npos);
    EXPECT_EQ(help.err, "");

    const RunResult command_help = run({"create", "--help"});
    EXPECT_EQ(command_help.status, exit_success);
    EXPECT_NE(command_help.out.find("--block-size"), std::string::npos);

    const RunResult version = run({"--version"});
    EXPECT_EQ(version.status, exit_success);
    EXPECT_EQ(version.out, std::string("dmremap ") + dmremap::version + "\n");
}

TEST(CliRun, AFailedOperationExitsWithOne)
{
    // Fails with or without device-mapper: no such device either way.
    const RunResult result = run({"status", "dmremap-test-no-such-device"});
    EXPECT_EQ(result.status, exit_failure);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err.rfind("dmremap: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find("dmremap-test-no-such-device"), std::string::npos) << result.err;
}

TEST(CliRun, CreateChecksItsDevicesBeforeTouchingDeviceMapper)
{
    const RunResult missing = run({"create", "r0", "/nonexistent/main", "/nonexistent/spare"});
    EXPECT_EQ(missing.status, exit_failure);
    EXPECT_NE(missing.err.find("/nonexistent/main"), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;

    const RunResult file = run({"create", "r0", "/proc/self/exe", "/proc/self/exe"});
    EXPECT_EQ(file.status, exit_failure);
    EXPECT_NE(file.err.find("not a block device"), std::string::npos) << file.err;
}

}  // namespace
}  // namespace dmremap::cli
