#pragma once

#include <ostream>
#include <string>

#include "daemon.hpp"

namespace dmremap::daemon {

// The outcome of reading the command line and the config file.
struct Options {
    int exit_code = -1;  // >= 0: exit with it at once (--help, --version, errors)
    Invocation invocation;
    Config config;
};

// Parses argv. Help and version go to out; errors to err as
// "dmremapd: <what>" with exit code 2.
Options parse_options(int argc, const char* const* argv, const std::string& version, std::ostream& out,
                      std::ostream& err);

}  // namespace dmremap::daemon
