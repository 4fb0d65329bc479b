#pragma once

#include <ostream>

namespace dmremap::cli {

// Where a command writes: data to out, messages for people to err.
struct Io {
    std::ostream& out;
    std::ostream& err;
};

// The contract's exit statuses.
enum ExitStatus : int {
    exit_success = 0,
    exit_failure = 1,  // the operation failed
    exit_usage = 2,    // the command line is wrong
};

}  // namespace dmremap::cli
