#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "app.hpp"
#include "cli_run.hpp"

// Driving the command line in tests, without a device.
namespace dmremap::cli {

// Parses args (without the program name) as the command line would.
inline void parse(Cli& cli, std::vector<std::string> args)
{
    std::reverse(args.begin(), args.end());
    cli.app().parse(args);
}

inline bool rejects(std::vector<std::string> args)
{
    Cli cli;
    try {
        parse(cli, std::move(args));
    } catch (const CLI::ParseError&) {
        return true;
    }
    return false;
}

using testing_support::RunResult;

// Runs `dmremap args...` in this process (testing_support::run_cli).
inline RunResult run(std::vector<std::string> args)
{
    return testing_support::run_cli(std::move(args));
}

}  // namespace dmremap::cli
