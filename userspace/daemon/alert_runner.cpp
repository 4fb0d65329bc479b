#include "alert_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>

#include "error.hpp"
#include "unique_fd.hpp"

extern char** environ;

namespace dmremap::daemon {

namespace {

using Clock = std::chrono::steady_clock;

// The environment of this process with the extra variables set over it.
std::vector<std::string> merged_environment(const std::vector<std::pair<std::string, std::string>>& extra)
{
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::string_view key = text.substr(0, text.find('='));
        const bool replaced = std::any_of(extra.begin(), extra.end(),
                                          [&](const auto& pair) { return pair.first == key; });
        if (!replaced)
            env.emplace_back(text);
    }
    for (const auto& [key, value] : extra)
        env.push_back(key + "=" + value);
    return env;
}

// Waits for pid, at most until deadline; true when it was reaped.
bool reap(pid_t pid, Clock::time_point deadline, int& status)
{
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR))
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string one_line(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    for (char& c : text) {
        if (c == '\n')
            c = '|';
    }
    return text;
}

}  // namespace

CommandResult run_command(const std::string& command,
                          const std::vector<std::pair<std::string, std::string>>& environment,
                          std::chrono::milliseconds timeout, const std::stop_token& stop)
{
    CommandResult result;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        result.error = "pipe: " + errno_text(errno);
        return result;
    }
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    // The daemon blocks the signals it takes through a signalfd: the
    // command starts with none blocked and every handler at its default.
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                             POSIX_SPAWN_SETSIGDEF));

    const std::vector<std::string> env = merged_environment(environment);
    std::vector<char*> envp;
    for (const std::string& entry : env)
        envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    std::string shell = "/bin/sh", dash_c = "-c", text = command;
    char* argv[] = {shell.data(), dash_c.data(), text.data(), nullptr};

    pid_t pid = -1;
    const int spawn_error = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    write_end.reset();
    if (spawn_error != 0) {
        result.error = "cannot start /bin/sh: " + errno_text(spawn_error);
        return result;
    }
    result.started = true;

    const Clock::time_point deadline = Clock::now() + timeout;
    bool open = true;
    while (open && Clock::now() < deadline && !stop.stop_requested()) {
        pollfd entry{read_end.get(), POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const int ready = ::poll(&entry, 1, static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 100)));
        if (ready <= 0)
            continue;
        char buffer[1024];
        const ssize_t n = ::read(read_end.get(), buffer, sizeof(buffer));
        if (n <= 0) {
            open = n < 0 && errno == EINTR;
            continue;
        }
        const std::size_t room = AlertRunner::output_limit - std::min(result.output.size(), AlertRunner::output_limit);
        result.output.append(buffer, std::min(static_cast<std::size_t>(n), room));
    }

    int status = 0;
    if (stop.stop_requested()) {
        // The daemon is stopping and must be gone within a second.
        ::kill(-pid, SIGKILL);
        reap(pid, Clock::time_point::max(), status);
    } else if (!reap(pid, deadline, status)) {
        // Output closed: the command was about done and had the rest of its time.
        result.timed_out = true;
        ::kill(-pid, SIGTERM);
        if (!reap(pid, Clock::now() + std::chrono::seconds(1), status)) {
            ::kill(-pid, SIGKILL);
            reap(pid, Clock::time_point::max(), status);
        }
    }
    if (WIFEXITED(status))
        result.exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.signal = WTERMSIG(status);
    return result;
}

AlertRunner::AlertRunner(Logger& log, std::string command, std::chrono::seconds timeout)
    : log_(&log), command_(std::move(command)), timeout_(timeout),
      thread_([this](const std::stop_token& stop) { work(stop); })
{
}

AlertRunner::~AlertRunner()
{
    thread_.request_stop();
    wake_.notify_all();
}

void AlertRunner::configure(std::string command, std::chrono::seconds timeout)
{
    const std::lock_guard lock(mutex_);
    command_ = std::move(command);
    timeout_ = timeout;
}

void AlertRunner::submit(AlertEvent event)
{
    log_->line(event.log_line());
    {
        const std::lock_guard lock(mutex_);
        if (command_.empty())
            return;
        if (queue_.size() >= queue_limit) {
            log_->line("alert queue full: dropping " + queue_.front().event + " for " +
                       queue_.front().name);
            queue_.pop_front();
        }
        queue_.push_back(std::move(event));
    }
    wake_.notify_all();
}

void AlertRunner::drain()
{
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void AlertRunner::work(const std::stop_token& stop)
{
    for (;;) {
        AlertEvent event;
        std::string command;
        std::chrono::seconds timeout{};
        {
            std::unique_lock lock(mutex_);
            busy_ = false;
            if (queue_.empty())
                idle_.notify_all();
            if (!wake_.wait(lock, stop, [this] { return !queue_.empty(); }))
                return;
            event = std::move(queue_.front());
            queue_.pop_front();
            busy_ = true;
            command = command_;
            timeout = timeout_;
        }
        const CommandResult result = run_command(command, event.environment(), timeout, stop);
        log_result(event, result);
    }
}

void AlertRunner::log_result(const AlertEvent& event, const CommandResult& result)
{
    std::string line = "alert command for " + event.event +
                       (event.name.empty() ? std::string() : " " + event.name) + ": ";
    if (!result.started)
        line += result.error;
    else if (result.timed_out)
        line += "killed after the timeout";
    else if (result.signal != 0)
        line += "killed by signal " + std::to_string(result.signal);
    else
        line += "exit status " + std::to_string(result.exit_status);
    if (!result.output.empty())
        line += "; output: " + one_line(result.output);
    log_->line(line);
}

}  // namespace dmremap::daemon
