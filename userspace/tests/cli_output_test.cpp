// The dmremap binary's output as a shell sees it: exit statuses, stdout that
// cannot be written, the files -o writes. Runs build/bin/dmremap.

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "app.hpp"
#include "cli_run.hpp"
#include "error.hpp"
#include "output_file.hpp"
#include "metadata_test_support.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace dmremap::cli {
namespace {

using testing_support::ImageBuilder;
using testing_support::TempDir;
namespace fs = std::filesystem;

struct Finished {
    int status = -1;
    std::string err;
};

// Runs the binary with stdout to out_path and stdin from in_path.
Finished run_binary(const std::vector<std::string>& args, const fs::path& out_path,
                    const fs::path& err_path, const fs::path& in_path = "/dev/null")
{
    std::vector<std::string> all{DMREMAP_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : all)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    Finished result;
    if (spawned != 0)
        return result;
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    std::ifstream in(err_path);
    result.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return result;
}

std::string read_text(const fs::path& path)
{
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool can_use_dev_full()
{
    struct stat st {};
    return ::geteuid() == 0 && ::stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode);
}

class CliOutput : public testing::Test {
protected:
    void SetUp() override
    {
        ImageBuilder builder(8192);
        builder.stage(0, 10);
        builder.stage(200, 20);
        builder.commit();
        std::ofstream(image(), std::ios::binary)
            .write(reinterpret_cast<const char*>(builder.bytes().data()),
                   static_cast<std::streamsize>(builder.bytes().size()));
    }

    fs::path image() const { return dir_.path() / "spare.img"; }
    fs::path err() const { return dir_.path() / "stderr"; }

    TempDir dir_;
};

TEST_F(CliOutput, AFullStdoutIsAFailure)
{
    if (!can_use_dev_full())
        GTEST_SKIP() << "needs root and /dev/full";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"metadata", "dump", image().string()},
          std::vector<std::string>{"metadata", "check", "--json", image().string()},
          std::vector<std::string>{"metadata", "repair", "--json", image().string()},
          std::vector<std::string>{"--help"}, std::vector<std::string>{"metadata", "--help"}}) {
        const Finished r = run_binary(args, "/dev/full", err());
        EXPECT_EQ(r.status, 1) << args.back();
        EXPECT_NE(r.err.find("dmremap: cannot write the output: No space left on device"),
                  std::string::npos)
            << r.err;
    }
    // The same commands with somewhere to write succeed.
    EXPECT_EQ(run_binary({"metadata", "dump", image().string()}, dir_.path() / "out", err()).status, 0);
    EXPECT_EQ(run_binary({"--help"}, dir_.path() / "out", err()).status, 0);
}

TEST_F(CliOutput, DumpToADeviceWritesItInPlace)
{
    if (!can_use_dev_full())
        GTEST_SKIP() << "needs root and /dev/full";
    // /dev/full is a device: written in place (and the write fails), never
    // replaced by a file.
    const fs::path link = dir_.path() / "full";
    fs::create_symlink("/dev/full", link);
    const Finished r = run_binary({"metadata", "dump", image().string(), "-o", link.string()},
                                  dir_.path() / "out", err());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    struct stat st {};
    ASSERT_EQ(::stat("/dev/full", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_TRUE(fs::is_symlink(link));
}

TEST_F(CliOutput, DumpThroughASymlinkKeepsTheLink)
{
    const fs::path target = dir_.path() / "backup.json";
    std::ofstream(target) << "old";
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    const fs::path link = dir_.path() / "latest.json";
    fs::create_symlink(target.filename(), link);
    const Finished r = run_binary({"metadata", "dump", image().string(), "-o", link.string()},
                                  dir_.path() / "out", err());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("dmremap: dumped 2 remaps"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(nlohmann::json::parse(read_text(target))["remaps"].size(), 2u);
    EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    // No temporary file left behind.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 5);
}

TEST_F(CliOutput, DumpToAFifoWritesIntoIt)
{
    const fs::path fifo = dir_.path() / "pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string received;
    std::thread reader([&] { received = read_text(fifo); });
    const Finished r = run_binary({"metadata", "dump", image().string(), "-o", fifo.string()},
                                  dir_.path() / "out", err());
    reader.join();
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(received)["remaps"].size(), 2u);
    struct stat st {};
    ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(CliOutput, RestoreReadsStdin)
{
    const fs::path dump = dir_.path() / "dump.json";
    ASSERT_EQ(run_binary({"metadata", "dump", image().string()}, dump, err()).status, 0);
    const fs::path target = dir_.path() / "new.img";
    std::ofstream(target, std::ios::binary) << std::string(8192 * 512, '\0');
    const Finished r = run_binary({"metadata", "restore", "-", target.string()},
                                  dir_.path() / "out", err(), dump);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("dmremap: restored 2 remaps"), std::string::npos) << r.err;
    EXPECT_EQ(run_binary({"metadata", "check", target.string()}, dir_.path() / "out", err()).status, 0);
}

TEST_F(CliOutput, AnUnfinishedFileLeavesTheOldOneWhole)
{
    const fs::path target = dir_.path() / "dump.json";
    std::ofstream(target) << "the old dump";
    {
        OutputFile file(target);
        file.stream() << "half of a new one";
        // Destroyed without commit(), as when the dump fails midway.
    }
    EXPECT_EQ(read_text(target), "the old dump");
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 2);

    OutputFile file(target);
    file.stream() << "the new dump";
    file.commit();
    EXPECT_EQ(read_text(target), "the new dump");
}

TEST_F(CliOutput, AFileThatCannotBeCreatedIsAnError)
{
    try {
        OutputFile file(dir_.path() / "no-such-dir" / "dump.json");
        FAIL() << "created a file in a missing directory";
    } catch (const OperationError& error) {
        EXPECT_EQ(error.error_code(), ENOENT);
        EXPECT_NE(std::string(error.what()).find("create " + (dir_.path() / "no-such-dir").string() +
                                                 "/dump.json.tmp."),
                  std::string::npos)
            << error.what();
    }
    const Finished r = run_binary({"metadata", "dump", image().string(), "-o",
                                   (dir_.path() / "no-such-dir" / "x.json").string()},
                                  dir_.path() / "out", err());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
}

// A stream that accepts nothing, like stdout on a full disk.
class FullBuffer final : public std::streambuf {
protected:
    int_type overflow(int_type) override { return traits_type::eof(); }
    std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

using Ran = testing_support::RunResult;

Ran run(std::vector<std::string> args)
{
    return testing_support::run_cli(std::move(args));
}

TEST(CliMessages, AFailedWriteOfTheOutputIsExitOne)
{
    FullBuffer full;
    std::ostream out(&full);
    std::ostringstream err;
    Cli cli;
    const char* argv[] = {"dmremap", "--version"};
    EXPECT_EQ(cli.run(2, argv, Io{out, err}), exit_failure);
    EXPECT_NE(err.str().find("dmremap: cannot write the output"), std::string::npos) << err.str();
}

TEST(CliMessages, UnknownAndMissingCommandsAreNamed)
{
    const Ran unknown = run({"foo"});
    EXPECT_EQ(unknown.status, exit_usage);
    EXPECT_EQ(unknown.err.rfind("dmremap: unknown command 'foo' (commands: create, ", 0), 0u)
        << unknown.err;
    const Ran unknown_sub = run({"metadata", "frob"});
    EXPECT_EQ(unknown_sub.err.rfind("dmremap: unknown command 'metadata frob' (commands: check, "
                                    "dump, restore, repair)",
                                    0),
              0u)
        << unknown_sub.err;
    EXPECT_EQ(run({}).err.rfind("dmremap: no command given", 0), 0u);
    EXPECT_EQ(run({"metadata"}).err.rfind("dmremap: metadata: no command given", 0), 0u);
}

TEST(CliMessages, UsageErrorsStartWithDmremapAndNameTheCommand)
{
    const Ran r = run({"create", "d", "/dev/a", "/dev/b", "--block-size", "1000"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_EQ(r.err.rfind("dmremap: create: --block-size: block size 1000", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("(dmremap create --help shows the usage)"), std::string::npos) << r.err;
    const Ran missing = run({"status"});
    EXPECT_EQ(missing.err, "dmremap: status: name is required (dmremap status --help shows the usage)\n");
}

TEST(CliMessages, JsonCommandsPrintADocumentWhenTheyFail)
{
    TempDir dir;
    const Ran r = run({"metadata", "dump", (dir.path() / "nope").string()});
    EXPECT_EQ(r.status, exit_unreadable);
    EXPECT_TRUE(r.out.empty());
    // status --json fails before it prints (no such device, or no
    // device-mapper at all): a document with the error.
    const Ran status = run({"status", "dmremap-test-no-such-device", "--json"});
    EXPECT_EQ(status.status, exit_failure);
    const auto j = nlohmann::ordered_json::parse(status.out);
    EXPECT_EQ(j.begin().key(), "schema");
    EXPECT_EQ(j["schema"], 1);
    EXPECT_FALSE(j["error"].get<std::string>().empty());
    EXPECT_EQ(status.err.rfind("dmremap: ", 0), 0u);
    // Without the driver the message says how to load it.
    std::ifstream misc("/proc/misc");
    const std::string devices{std::istreambuf_iterator<char>(misc), std::istreambuf_iterator<char>()};
    if (misc.is_open() && devices.find(" device-mapper\n") == std::string::npos) {
        EXPECT_NE(status.err.find("the kernel's device-mapper driver is not loaded: load it with "
                                  "'modprobe dm_mod'"),
                  std::string::npos)
            << status.err;
    }
}

TEST_F(CliOutput, APermissionRefusedToAUserSaysRunAsRoot)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root, to run the binary as another user";
    fs::permissions(image(), fs::perms::owner_read | fs::perms::owner_write);
    const int err_fd = ::open(err().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(err_fd, 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(err_fd, 2);
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(99);
        ::execl(DMREMAP_BINARY, DMREMAP_BINARY, "metadata", "check", image().c_str(), nullptr);
        ::_exit(98);
    }
    ::close(err_fd);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    ASSERT_TRUE(WIFEXITED(wstatus));
    if (WEXITSTATUS(wstatus) == 98)
        GTEST_SKIP() << "user nobody cannot run " << DMREMAP_BINARY
                     << " (a directory above it is private, e.g. a mktemp -d clone)";
    EXPECT_EQ(WEXITSTATUS(wstatus), exit_unreadable);
    const std::string text = read_text(err());
    EXPECT_NE(text.find("Permission denied (run dmremap as root)"), std::string::npos) << text;
}

}  // namespace
}  // namespace dmremap::cli
