#include "advice.hpp"

#include <unistd.h>

#include <cerrno>

#include "error.hpp"

namespace dmremap::cli {

std::string failure_text(const std::exception& error)
{
    std::string text = error.what();
    const auto* operation = dynamic_cast<const OperationError*>(&error);
    if (operation && (operation->error_code() == EACCES || operation->error_code() == EPERM) &&
        ::geteuid() != 0)
        text += " (run dmremap as root)";
    return text;
}

}  // namespace dmremap::cli
