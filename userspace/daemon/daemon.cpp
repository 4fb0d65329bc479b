#include "daemon.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "alert_runner.hpp"
#include "error.hpp"
#include "http_server.hpp"
#include "monitor.hpp"
#include "remap_watcher.hpp"
#include "signal_fd.hpp"

namespace dmremap::daemon {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::int64_t wall_now()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<std::string> names_to_read(const std::vector<DeviceChange>& changes)
{
    std::vector<std::string> names;
    for (const DeviceChange& change : changes) {
        if (change.kind != DeviceChange::Kind::vanished)
            names.push_back(change.device.entry.name);
    }
    return names;
}

std::optional<Config> reload_config(const Invocation& invocation, Logger& log)
{
    try {
        return build_config(read_config_file(invocation.config_file, invocation.config_file_given),
                            invocation.flag_settings);
    } catch (const ConfigError& error) {
        log.line(std::string(error.what()) + "; keeping the previous configuration");
        return std::nullopt;
    }
}

}  // namespace

int run_daemon(const Invocation& invocation, Config config, Logger& log, const std::string& version)
{
    // SIGHUP, SIGTERM and SIGINT arrive through a descriptor the event loop
    // polls; SIGPIPE is blocked so that a closed peer is an EPIPE.
    SignalFd signals({SIGHUP, SIGTERM, SIGINT}, {SIGPIPE});
    DmControl dm;
    std::optional<RemapWatcher> watcher;
    try {
        // libdevmapper makes /dev/mapper/control when it is missing (no
        // udev yet): talk to it first, then open the node for events.
        dm.list_devices();
        watcher.emplace(dm, invocation.control_path);
    } catch (const OperationError& error) {
        log.line(std::string("cannot watch device-mapper events: ") + error.what());
        return exit_failure;
    }

    DaemonState state;
    try {
        state = DaemonState::load(config.state_file);
    } catch (const std::exception& error) {
        log.line(std::string(error.what()) + "; starting with an empty history");
    }

    AlertRunner alerts(log, config.alert_command, config.alert_timeout);
    Monitor monitor(dm, log, alerts, config, std::move(state), version);
    HttpServer http([&monitor] { return monitor.scrape(wall_now()); });
    try {
        http.start(config.listen_host, config.listen_port, config.listen());
    } catch (const ListenError& error) {
        log.line(error.what());
        return exit_failure;
    }
    log.line("version " + version + " listening on " + config.listen());

    bool first = true;
    SteadyClock::time_point next_full = SteadyClock::now();
    for (;;) {
        std::vector<DeviceChange> changes;
        try {
            watcher->events().arm();
            changes = watcher->rescan();
        } catch (const std::exception& error) {
            log.line(std::string("cannot read the device list: ") + error.what());
        }
        const std::int64_t now = wall_now();
        monitor.apply_changes(changes, watcher->devices(), now);
        if (first && invocation.alert_test)
            monitor.alert_test();
        first = false;

        if (SteadyClock::now() >= next_full) {
            monitor.periodic(monitor.read_and_observe({}, now), now);
            next_full = SteadyClock::now() + config.rescan_interval;
        } else if (const auto names = names_to_read(changes); !names.empty()) {
            monitor.read_and_observe(names, now);
        }

        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_full - SteadyClock::now());
        pollfd fds[2] = {{watcher->events().fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
        const int ready = ::poll(fds, 2, static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, 3'600'000)));
        if (ready < 0 && errno != EINTR) {
            log.line("poll: " + errno_text(errno));
            return exit_failure;
        }
        if ((fds[1].revents & POLLIN) == 0)
            continue;
        for (int signal = signals.take(); signal != 0; signal = signals.take()) {
            if (signal == SIGTERM || signal == SIGINT) {
                log.line(std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT"));
                http.stop();
                return exit_ok;
            }
            if (signal == SIGHUP) {
                auto fresh = reload_config(invocation, log);
                if (!fresh)
                    continue;
                if (fresh->listen() != config.listen())
                    log.line("the listening address changes at the next start, not on SIGHUP");
                if (fresh->state_file != config.state_file)
                    log.line("the state file changes at the next start, not on SIGHUP");
                fresh->listen_host = config.listen_host;
                fresh->listen_port = config.listen_port;
                fresh->state_file = config.state_file;
                alerts.configure(fresh->alert_command, fresh->alert_timeout);
                monitor.configure(*fresh);
                config = std::move(*fresh);
                next_full = SteadyClock::now();
                log.line("configuration reloaded");
            }
        }
    }
}

}  // namespace dmremap::daemon
