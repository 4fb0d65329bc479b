#pragma once

#include <string>
#include <vector>

namespace dmremap {

// What a program printed and how it ended.
struct ProcessResult {
    int exit_status = 0;  // its exit status, or 128 + the signal that ended it
    std::string out;
    std::string err;
};

// Runs argv[0] (looked up in PATH) with argv, no shell, stdin from
// /dev/null, and collects its stdout and stderr. Throws OperationError when
// it cannot be started (e.g. not installed: ENOENT).
ProcessResult run_process(const std::vector<std::string>& argv);

}  // namespace dmremap
