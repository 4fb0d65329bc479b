#pragma once

#include <stdexcept>
#include <string>

namespace dmremap {

// An operation the system refused: what was attempted, on what, and why.
class OperationError : public std::runtime_error {
public:
    // error_code is the errno value behind the failure, or 0 when there is none.
    OperationError(std::string operation, std::string subject, std::string reason,
                   int error_code = 0);

    const std::string& operation() const noexcept { return operation_; }
    const std::string& subject() const noexcept { return subject_; }
    const std::string& reason() const noexcept { return reason_; }
    int error_code() const noexcept { return error_code_; }

private:
    std::string operation_;
    std::string subject_;
    std::string reason_;
    int error_code_;
};

// Text that does not have the expected shape. context names the field or
// line (e.g. "status field 'spare_free'", "list reply line 3").
class ParseError : public std::runtime_error {
public:
    ParseError(std::string context, std::string problem);

    const std::string& context() const noexcept { return context_; }
    const std::string& problem() const noexcept { return problem_; }

private:
    std::string context_;
    std::string problem_;
};

// The text of an errno value, as strerror gives it but thread-safe.
std::string errno_text(int error_code);

}  // namespace dmremap
