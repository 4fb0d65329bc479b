#pragma once

#include <string>
#include <vector>

#include "error.hpp"

namespace dmremap {

// A device-mapper operation that failed. reason() says why, in the words of
// the kernel where it said something: the ioctl's errno text, followed by
// what the kernel logged about the failure (e.g. the target's table error);
// without an errno, what libdevmapper reported.
class DmError : public OperationError {
public:
    DmError(std::string operation, std::string device, int error_code,
            std::vector<std::string> library_messages, std::vector<std::string> kernel_lines);

    // What libdevmapper logged during the operation.
    const std::vector<std::string>& library_messages() const noexcept { return library_messages_; }
    // What the kernel logged about device-mapper during the operation.
    const std::vector<std::string>& kernel_lines() const noexcept { return kernel_lines_; }

    static std::string compose_reason(int error_code, const std::vector<std::string>& library_messages,
                                      const std::vector<std::string>& kernel_lines);

private:
    std::vector<std::string> library_messages_;
    std::vector<std::string> kernel_lines_;
};

}  // namespace dmremap
