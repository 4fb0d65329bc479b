#include "error.hpp"

#include <cstring>

namespace dmremap {

namespace {

std::string describe(const std::string& operation, const std::string& subject,
                     const std::string& reason)
{
    std::string text = operation;
    if (!subject.empty())
        text += " " + subject;
    return text + ": " + reason;
}

}  // namespace

OperationError::OperationError(std::string operation, std::string subject, std::string reason,
                               int error_code)
    : std::runtime_error(describe(operation, subject, reason)),
      operation_(std::move(operation)),
      subject_(std::move(subject)),
      reason_(std::move(reason)),
      error_code_(error_code)
{
}

ParseError::ParseError(std::string context, std::string problem)
    : std::runtime_error(context + ": " + problem),
      context_(std::move(context)),
      problem_(std::move(problem))
{
}

std::string errno_text(int error_code)
{
    char buffer[256];
    // The GNU strerror_r may return a static string instead of filling buffer.
    return ::strerror_r(error_code, buffer, sizeof buffer);
}

}  // namespace dmremap
