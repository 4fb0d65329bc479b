#pragma once

#include <ostream>

namespace dmremap::cli {

// Where a command writes: data to out, messages for people to err.
struct Io {
    std::ostream& out;
    std::ostream& err;
};

// The exit statuses (docs/cli.md has the table). 0, 1 and 2 are the
// contract's; the others let the metadata commands and status --watch tell
// their cases apart.
enum ExitStatus : int {
    exit_success = 0,
    exit_failure = 1,      // the operation failed; metadata check: damaged
    exit_usage = 2,        // the command line is wrong; nothing was touched
    exit_no_metadata = 3,  // metadata: no dm-remap metadata (blank, or other data)
    exit_unreadable = 4,   // metadata: the spare cannot be opened, or a read failed
    exit_repaired = 5,     // metadata repair: written and clean (-n: a repair would write)
    exit_needs_force = 6,  // metadata repair: the repair loses data; refused without --force
    exit_device_gone = 7,  // status --watch: the device was removed while watched
};

}  // namespace dmremap::cli
