#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "app.hpp"

namespace dmremap::testing_support {

struct RunResult {
    int status;
    std::string out;
    std::string err;
};

// Runs the command line `dmremap args...` in this process.
inline RunResult run_cli(std::vector<std::string> args)
{
    args.insert(args.begin(), "dmremap");
    std::vector<const char*> argv;
    for (const std::string& arg : args)
        argv.push_back(arg.c_str());
    std::ostringstream out, err;
    cli::Cli cli;
    const int status = cli.run(static_cast<int>(argv.size()), argv.data(), cli::Io{out, err});
    return RunResult{status, out.str(), err.str()};
}

}  // namespace dmremap::testing_support
