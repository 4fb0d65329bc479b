#include "monitor.hpp"

#include <algorithm>

namespace dmremap::daemon {

namespace {

std::string describe(const WatchedDevice& device)
{
    return device.entry.name + " (" + device.entry.kernel_name() + ")";
}

}  // namespace

Monitor::Monitor(DmControl& dm, Logger& log, AlertRunner& alerts, Config config, DaemonState state,
                 std::string version)
    : dm_(&dm), log_(&log), alerts_(&alerts), config_(std::move(config)), state_(std::move(state)),
      version_(std::move(version)), policy_(config_.alert_reminder)
{
}

void Monitor::configure(Config config)
{
    const std::lock_guard lock(mutex_);
    policy_.set_policy(config.alert_reminder);
    config_ = std::move(config);
}

void Monitor::apply_changes(const std::vector<DeviceChange>& changes,
                            const std::vector<WatchedDevice>& devices, std::int64_t now)
{
    const std::lock_guard lock(mutex_);
    for (const DeviceChange& change : changes) {
        switch (change.kind) {
        case DeviceChange::Kind::appeared:
            log_->line("following " + describe(change.device));
            break;
        case DeviceChange::Kind::vanished:
            log_->line("no longer following " + describe(change.device));
            for (AlertEvent& event : policy_.gone(change.device, now))
                alerts_->submit(std::move(event));
            break;
        case DeviceChange::Kind::renamed:
            log_->line(change.previous_name + " renamed to " + describe(change.device));
            policy_.renamed(change.previous_name, change.device.entry.name);
            if (auto node = state_.spare.extract(change.previous_name); !node.empty()) {
                node.key() = change.device.entry.name;
                state_.spare.insert_or_assign(node.key(), std::move(node.mapped()));
                state_dirty_ = true;
            }
            break;
        case DeviceChange::Kind::reloaded:
            log_->line("new table for " + describe(change.device));
            break;
        case DeviceChange::Kind::event:
            break;
        }
    }
    devices_ = devices;
}

std::vector<RemapSample> Monitor::read_and_observe(const std::vector<std::string>& names, std::int64_t now)
{
    const std::lock_guard lock(mutex_);
    return read_locked(names, now);
}

std::vector<RemapSample> Monitor::read_locked(const std::vector<std::string>& names, std::int64_t now)
{
    std::vector<RemapSample> samples;
    for (const WatchedDevice& device : devices_) {
        if (!names.empty() && std::find(names.begin(), names.end(), device.entry.name) == names.end())
            continue;
        samples.push_back(read_remap_sample(*dm_, device));
    }
    const auto window = static_cast<std::int64_t>(config_.forecast_window.count());
    for (const RemapSample& sample : samples) {
        if (!sample.up)
            continue;
        const std::string& name = sample.device.entry.name;
        SpareHistory& history = state_.spare[name];
        const SpareHistory before = history;
        history.observe(now, sample.status.spare_total, sample.status.spare_free);
        history.trim(now, window);
        if (history != before)
            state_dirty_ = true;
        for (AlertEvent& event : policy_.observe(sample, history.forecast(now, window),
                                                 config_.for_device(name), now))
            alerts_->submit(std::move(event));
    }
    save_state_locked();
    return samples;
}

std::string Monitor::scrape(std::int64_t now)
{
    const std::lock_guard lock(mutex_);
    const std::vector<RemapSample> samples = read_locked({}, now);
    const auto window = static_cast<std::int64_t>(config_.forecast_window.count());
    std::vector<DeviceMetrics> metrics;
    for (const RemapSample& sample : samples) {
        const auto history = state_.spare.find(sample.device.entry.name);
        std::optional<double> forecast;
        if (sample.up && history != state_.spare.end())
            forecast = history->second.forecast(now, window);
        metrics.push_back(DeviceMetrics{sample, forecast});
    }
    return render_metrics(metrics, version_);
}

void Monitor::periodic(const std::vector<RemapSample>& samples, std::int64_t now)
{
    const std::lock_guard lock(mutex_);
    for (AlertEvent& event : policy_.remind(now))
        alerts_->submit(std::move(event));

    const auto name = scrubs_.due(samples, config_, state_.last_scrub, now);
    if (!name)
        return;
    const auto device = std::find_if(devices_.begin(), devices_.end(),
                                     [&](const WatchedDevice& d) { return d.entry.name == *name; });
    if (device == devices_.end())
        return;
    const std::uint64_t rate = config_.for_device(*name).scrub_rate;
    try {
        dm_->message(*name, device->target.start,
                     rate == 0 ? "scrub start" : "scrub start " + std::to_string(rate));
        log_->line("scheduled scrub started on " + describe(*device) +
                   (rate == 0 ? std::string() : " at " + std::to_string(rate) + " MiB/s"));
    } catch (const std::exception& error) {
        log_->line("scheduled scrub on " + describe(*device) + " failed: " + error.what());
    }
    // Also after a failure: retry at the next interval, not in a loop.
    state_.last_scrub[*name] = now;
    state_dirty_ = true;
    save_state_locked();
}

void Monitor::alert_test()
{
    const std::lock_guard lock(mutex_);
    if (devices_.empty()) {
        AlertEvent event;
        event.event = "test";
        event.message = "test alert from dmremapd (no dm-remap device found)";
        alerts_->submit(std::move(event));
        return;
    }
    for (const WatchedDevice& device : devices_) {
        AlertEvent event;
        event.event = "test";
        event.device = device.entry.kernel_name();
        event.name = device.entry.name;
        event.message = "test alert from dmremapd";
        const RemapSample sample = read_remap_sample(*dm_, device);
        if (sample.up)
            event.fields = status_fields(sample);
        alerts_->submit(std::move(event));
    }
}

void Monitor::save_state_locked()
{
    if (!state_dirty_)
        return;
    try {
        state_.save(config_.state_file);
        state_dirty_ = false;
        state_error_logged_ = false;
    } catch (const std::exception& error) {
        if (!state_error_logged_)
            log_->line(std::string(error.what()) + " (the forecast history is kept in memory only)");
        state_error_logged_ = true;
    }
}

}  // namespace dmremap::daemon
