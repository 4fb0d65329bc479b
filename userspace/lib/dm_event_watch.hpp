#pragma once

#include <chrono>
#include <string>

#include "unique_fd.hpp"

namespace dmremap {

// Waits for device-mapper events the way multipathd does: its own open
// file of /dev/mapper/control, armed with DM_DEV_ARM_POLL, becomes readable
// for poll() when any device-mapper event happens after the arming: a
// target's dm_table_event(), a device created, removed or renamed, a table
// swapped in by a resume. The kernel keeps the armed event count per open
// file, which is why this holds its own descriptor rather than
// libdevmapper's. Which device changed is then found by comparing each
// device's event counter (DmControl::list_devices_with_event_nr) and table.
class DmEventWatch {
public:
    // Opens the control node and checks that the kernel's device-mapper
    // interface knows DM_DEV_ARM_POLL (4.37, Linux 4.13). Throws
    // OperationError saying which of the two failed.
    explicit DmEventWatch(const std::string& control_path = "/dev/mapper/control");

    // The descriptor to poll() for POLLIN, for callers that wait on other
    // descriptors too; call arm() again after each wake.
    int fd() const noexcept { return fd_.get(); }

    // From now on, only events after this call make the descriptor readable.
    // Arm before reading the state the events are about, so that nothing
    // that happens in between is missed. Throws OperationError.
    void arm();

    // Waits until an event happened since the last arm(), or timeout passed,
    // or a signal interrupted the wait. Returns true for an event.
    bool wait(std::chrono::milliseconds timeout);

private:
    std::string path_;
    UniqueFd fd_;
};

}  // namespace dmremap
