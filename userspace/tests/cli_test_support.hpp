#pragma once

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "app.hpp"

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

struct RunResult {
    int status;
    std::string out;
    std::string err;
};

inline RunResult run(std::vector<std::string> args)
{
    args.insert(args.begin(), "dmremap");
    std::vector<const char*> argv;
    for (const std::string& arg : args)
        argv.push_back(arg.c_str());
    std::ostringstream out, err;
    Cli cli;
    const int status = cli.run(static_cast<int>(argv.size()), argv.data(), Io{out, err});
    return RunResult{status, out.str(), err.str()};
}

}  // namespace dmremap::cli
