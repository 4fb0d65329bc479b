#include "alert_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

namespace dmremap::daemon {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

TEST(RunCommand, PassesTheEnvironmentAndCapturesOutput)
{
    const std::stop_source stop;
    const CommandResult result =
        run_command("echo \"$DMREMAP_EVENT/$DMREMAP_NAME\"; echo oops >&2; exit 3",
                    {{"DMREMAP_EVENT", "test"}, {"DMREMAP_NAME", "a b"}}, 5s, stop.get_token());
    EXPECT_TRUE(result.started);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_status, 3);
    EXPECT_EQ(result.output, "test/a b\noops\n");
}

TEST(RunCommand, KillsACommandThatOverrunsItsTimeout)
{
    const std::stop_source stop;
    const auto start = std::chrono::steady_clock::now();
    // The background sleep keeps the output open: the whole group is killed.
    const CommandResult result = run_command("sleep 30 & echo started; sleep 30", {}, 300ms, stop.get_token());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.signal, SIGTERM);
    EXPECT_EQ(result.output, "started\n");
}

TEST(RunCommand, LimitsTheOutput)
{
    const std::stop_source stop;
    const CommandResult result = run_command("head -c 100000 /dev/zero | tr '\\0' x", {}, 5s, stop.get_token());
    EXPECT_EQ(result.output.size(), AlertRunner::output_limit);
    EXPECT_EQ(result.exit_status, 0);
}

AlertEvent event(std::string name)
{
    AlertEvent alert;
    alert.event = "lost_sectors";
    alert.device = "dm-1";
    alert.name = std::move(name);
    alert.previous = "0";
    alert.current = "8";
    alert.message = "8 new lost sectors";
    alert.fields = {{"LOST_SECTORS", "8"}};
    return alert;
}

TEST(AlertRunner, LogsEachAlertAndTheCommandsResult)
{
    testing_support::TempDir dir;
    const auto out_file = dir.path() / "env";
    std::ostringstream log_text;
    Logger log(log_text);
    {
        AlertRunner runner(log, "env | grep ^DMREMAP_ | sort >> " + out_file.string() + "; echo done", 5s);
        runner.submit(event("first"));
        runner.submit(event("second"));
        runner.drain();
    }
    std::ifstream in(out_file);
    std::stringstream env;
    env << in.rdbuf();
    EXPECT_THAT(env.str(), HasSubstr("DMREMAP_NAME=first\n"));
    EXPECT_THAT(env.str(), HasSubstr("DMREMAP_NAME=second\n"));
    EXPECT_THAT(env.str(), HasSubstr("DMREMAP_LOST_SECTORS=8\n"));
    EXPECT_THAT(env.str(), HasSubstr("DMREMAP_MESSAGE=8 new lost sectors\n"));
    EXPECT_THAT(log_text.str(), HasSubstr("dmremapd: alert lost_sectors first (dm-1): 8 new lost sectors\n"));
    EXPECT_THAT(log_text.str(), HasSubstr("dmremapd: alert command for lost_sectors first: exit status 0; output: done\n"));
}

TEST(AlertRunner, WithoutACommandOnlyLogs)
{
    std::ostringstream log_text;
    Logger log(log_text);
    AlertRunner runner(log, "", 5s);
    runner.submit(event("x"));
    runner.drain();
    EXPECT_EQ(log_text.str(), "dmremapd: alert lost_sectors x (dm-1): 8 new lost sectors\n");
}

TEST(AlertRunner, AHangingCommandDoesNotHoldUpSubmitNorShutdown)
{
    std::ostringstream log_text;
    Logger log(log_text);
    const auto start = std::chrono::steady_clock::now();
    {
        AlertRunner runner(log, "sleep 60", 60s);
        for (int i = 0; i < 10; ++i)
            runner.submit(event("x" + std::to_string(i)));
        EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(AlertRunner, CommandThatFailsToRunIsLogged)
{
    std::ostringstream log_text;
    Logger log(log_text);
    {
        AlertRunner runner(log, "exec /nonexistent/alert", 5s);
        runner.submit(event("x"));
        runner.drain();
    }
    EXPECT_THAT(log_text.str(), HasSubstr("alert command for lost_sectors x: exit status 127; output: "));
}

}  // namespace
}  // namespace dmremap::daemon
