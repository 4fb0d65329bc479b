#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "io.hpp"

namespace dmremap::cli {

// The dmremap command line: the CLI11 application with every command, the
// arguments it fills in, and the mapping of outcomes to exit statuses.
class Cli {
public:
    Cli();

    Cli(const Cli&) = delete;
    Cli& operator=(const Cli&) = delete;

    // Parses and runs; returns the exit status. Usage errors give exit_usage
    // (and --help / --version exit_success) without touching any device.
    int run(int argc, const char* const* argv, const Io& io);

    // For tests: the application to parse with, and what parsing filled in.
    CLI::App& app() noexcept { return *app_; }
    const Arguments& arguments() const noexcept { return arguments_; }
    // The name of the command the last parse selected, or "" for none.
    std::string selected_command() const;

private:
    // written(): how many characters have gone to io.out so far.
    int parse_and_dispatch(int argc, const char* const* argv, const Io& io,
                           const std::function<std::uint64_t()>& written);
    std::string usage_problem(const CLI::ParseError& error, int argc,
                              const char* const* argv) const;
    bool json_requested() const;
    int dispatch(const Io& io) const;

    Arguments arguments_;
    std::unique_ptr<CLI::App> app_;
    CLI::App* create_ = nullptr;
    CLI::App* remove_ = nullptr;
    CLI::App* list_ = nullptr;
    CLI::App* status_ = nullptr;
    CLI::App* events_ = nullptr;
    CLI::App* remaps_ = nullptr;
    CLI::App* remap_ = nullptr;
    CLI::App* unremap_ = nullptr;
    CLI::App* health_ = nullptr;
    CLI::App* scrub_ = nullptr;
    CLI::App* import_badblocks_ = nullptr;
    CLI::App* lost_files_ = nullptr;
    MetadataCommands metadata_;
};

}  // namespace dmremap::cli
