#include <iostream>

#include "daemon.hpp"
#include "logger.hpp"
#include "options.hpp"

int main(int argc, char** argv)
{
    using namespace dmremap::daemon;
    const Options options = parse_options(argc, argv, DMREMAP_VERSION, std::cout, std::cerr);
    if (options.exit_code >= 0)
        return options.exit_code;
    Logger log(std::cerr);
    return run_daemon(options.invocation, options.config, log, DMREMAP_VERSION);
}
