#include <iostream>

#include "app.hpp"

int main(int argc, char** argv)
{
    dmremap::cli::Cli cli;
    return cli.run(argc, argv, dmremap::cli::Io{std::cout, std::cerr});
}
