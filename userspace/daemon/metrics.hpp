#pragma once

#include <optional>
#include <string>
#include <vector>

#include "remap_sample.hpp"

namespace dmremap::daemon {

// One device's reading and what the daemon adds to it.
struct DeviceMetrics {
    RemapSample sample;
    std::optional<double> forecast_seconds;
};

// The exposition of every metric (Prometheus text format 0.0.4); the
// families and their meaning are listed in docs/monitoring.md. Devices are
// written in the order given; a second device with the same dm-N is left
// out, so a list taken during a rename never duplicates a series, and so
// is a device that no longer exists (removed since the list was taken).
std::string render_metrics(const std::vector<DeviceMetrics>& devices, const std::string& version);

}  // namespace dmremap::daemon
