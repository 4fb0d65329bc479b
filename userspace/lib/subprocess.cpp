#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "error.hpp"
#include "unique_fd.hpp"

extern char** environ;

namespace dmremap {

namespace {

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Pipe make_pipe(const std::string& program)
{
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0)
        throw OperationError("run", program, "pipe: " + errno_text(errno), errno);
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// posix_spawn's file actions, destroyed with it.
class FileActions {
public:
    FileActions() { ::posix_spawn_file_actions_init(&actions_); }
    ~FileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    posix_spawn_file_actions_t* get() noexcept { return &actions_; }

private:
    posix_spawn_file_actions_t actions_{};
};

// Reads both pipes until both are closed, so that neither can fill up and
// block the child.
void drain(Pipe& out_pipe, Pipe& err_pipe, ProcessResult& result)
{
    std::array<pollfd, 2> fds{pollfd{out_pipe.read.get(), POLLIN, 0}, pollfd{err_pipe.read.get(), POLLIN, 0}};
    std::array<std::string*, 2> sinks{&result.out, &result.err};
    std::array<char, 65536> buffer{};
    int open = 2;
    while (open > 0) {
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            throw OperationError("run", "poll", errno_text(errno), errno);
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
            if (n > 0) {
                sinks[i]->append(buffer.data(), static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;
                --open;
            }
        }
    }
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv)
{
    if (argv.empty())
        throw OperationError("run", "(nothing)", "no program given");
    const std::string& program = argv.front();
    Pipe out_pipe = make_pipe(program);
    Pipe err_pipe = make_pipe(program);
    FileActions actions;
    ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(actions.get(), out_pipe.write.get(), STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(actions.get(), err_pipe.write.get(), STDERR_FILENO);

    std::vector<char*> args;
    for (const std::string& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    pid_t pid = 0;
    const int error = ::posix_spawnp(&pid, program.c_str(), actions.get(), nullptr, args.data(), environ);
    if (error != 0)
        throw OperationError("run", program, errno_text(error), error);
    out_pipe.write.reset();
    err_pipe.write.reset();

    ProcessResult result;
    drain(out_pipe, err_pipe, result);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw OperationError("run", program, "waitpid: " + errno_text(errno), errno);
    }
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace dmremap
