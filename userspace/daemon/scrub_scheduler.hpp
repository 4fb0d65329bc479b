#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "remap_sample.hpp"

namespace dmremap::daemon {

// Chooses when to start the kernel's scrub on devices that have
// scrub-every set. A device's scrub is due scrub-every after the last one
// the daemon started (remembered across restarts); a device without one
// is first due a fraction of the interval after the daemon first sees it,
// the fractions spreading the devices over the interval (device k of n in
// name order: (k+1)/(n+1)). At most one scrub is started at a time, and
// none while any device's scrub runs.
class ScrubScheduler {
public:
    // The device to start a scrub on now, if any. last_scrub holds the
    // start times of earlier scrubs (seconds since the epoch) by dm name.
    std::optional<std::string> due(const std::vector<RemapSample>& samples, const Config& config,
                                   const std::map<std::string, std::int64_t>& last_scrub,
                                   std::int64_t now);

private:
    std::map<std::string, std::int64_t> first_due_;  // devices without a last scrub
};

}  // namespace dmremap::daemon
