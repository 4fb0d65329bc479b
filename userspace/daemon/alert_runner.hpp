#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "alert_policy.hpp"
#include "logger.hpp"

namespace dmremap::daemon {

// What one run of the alert command gave.
struct CommandResult {
    bool started = false;
    bool timed_out = false;
    int exit_status = -1;  // when it exited
    int signal = 0;        // when a signal ended it
    std::string output;    // stdout and stderr, at most output_limit bytes
    std::string error;     // why it did not start
};

// Runs `/bin/sh -c COMMAND` with extra environment variables, its stdout
// and stderr captured, in its own process group; after timeout the group
// is killed (SIGTERM, then SIGKILL a second later). Blocks the caller:
// AlertRunner calls it from its own thread.
CommandResult run_command(const std::string& command,
                          const std::vector<std::pair<std::string, std::string>>& environment,
                          std::chrono::milliseconds timeout, const std::stop_token& stop);

// Logs each alert and runs the alert command for it on a thread of its
// own, one at a time in order, so that a slow or hanging command never
// holds up monitoring. At most queue_limit alerts wait; beyond that the
// oldest waiting one is dropped (and logged).
class AlertRunner {
public:
    static constexpr std::size_t queue_limit = 256;
    static constexpr std::size_t output_limit = 4096;

    AlertRunner(Logger& log, std::string command, std::chrono::seconds timeout);
    // Stops the thread; a command still running is killed.
    ~AlertRunner();

    AlertRunner(const AlertRunner&) = delete;
    AlertRunner& operator=(const AlertRunner&) = delete;

    void submit(AlertEvent event);
    void configure(std::string command, std::chrono::seconds timeout);

    // Waits until the queue is empty and no command runs (for tests).
    void drain();

private:
    void work(const std::stop_token& stop);
    void log_result(const AlertEvent& event, const CommandResult& result);

    Logger* log_;
    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::condition_variable idle_;
    std::deque<AlertEvent> queue_;
    bool busy_ = false;
    std::string command_;
    std::chrono::seconds timeout_;
    std::jthread thread_;  // last: starts after everything it uses
};

}  // namespace dmremap::daemon
