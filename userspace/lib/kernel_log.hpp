#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "unique_fd.hpp"

namespace dmremap {

// Watches the kernel log (/dev/kmsg) from the moment it is constructed, so
// that a failed device-mapper call can report what the kernel logged about
// it: the dm-remap target reports a refused table line through ti->error and
// a refused message through a log line, which the ioctl's errno cannot carry.
//
// Reading /dev/kmsg needs CAP_SYSLOG (or kernel.dmesg_restrict=0); without
// it, or without /dev/kmsg, the watch sees nothing. Lines are matched by
// subsystem, not by caller, so another device-mapper operation failing at
// the same moment can show up too.
class KernelLogWatch {
public:
    KernelLogWatch();

    // device-mapper and dm-remap lines logged since construction, oldest first.
    std::vector<std::string> device_mapper_lines();

private:
    UniqueFd kmsg_;
};

// The message text of one /dev/kmsg record ("pri,seq,usec,flags;text\n"
// followed by optional " KEY=value" lines), or nullopt if it is not one.
std::optional<std::string> kmsg_record_text(std::string_view record);

// Whether a kernel log message comes from device-mapper or dm-remap.
bool is_device_mapper_message(std::string_view text);

}  // namespace dmremap
