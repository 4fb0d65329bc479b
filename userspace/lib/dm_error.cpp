#include "dm_error.hpp"

#include <cerrno>
#include <string_view>

namespace dmremap {

namespace {

std::string join(const std::vector<std::string>& parts, std::string_view separator)
{
    std::string joined;
    for (const std::string& part : parts) {
        if (!joined.empty())
            joined += separator;
        joined += part;
    }
    return joined;
}

// "device-mapper: table: 254:0: remap: bad block_size" -> "table: 254:0: remap: bad block_size"
std::string without_subsystem_prefix(const std::string& line)
{
    constexpr std::string_view prefix = "device-mapper: ";
    return std::string_view(line).starts_with(prefix) ? line.substr(prefix.size()) : line;
}

// libdevmapper ends some messages with a period, which reads badly once joined.
std::vector<std::string> without_final_periods(std::vector<std::string> messages)
{
    for (std::string& message : messages) {
        while (!message.empty() && message.back() == '.')
            message.pop_back();
    }
    return messages;
}

}  // namespace

DmError::DmError(std::string operation, std::string device, int error_code,
                 std::vector<std::string> library_messages, std::vector<std::string> kernel_lines)
    : OperationError(std::move(operation), std::move(device),
                     compose_reason(error_code, library_messages, kernel_lines), error_code),
      library_messages_(std::move(library_messages)),
      kernel_lines_(std::move(kernel_lines))
{
}

std::string DmError::compose_reason(int error_code, const std::vector<std::string>& library_messages,
                                    const std::vector<std::string>& kernel_lines)
{
    std::string reason;
    if (error_code == ENXIO)
        reason = "no such device-mapper device";
    else if (error_code != 0)
        reason = errno_text(error_code);
    else if (!library_messages.empty())
        reason = join(without_final_periods(library_messages), "; ");
    else
        reason = "libdevmapper gave no reason";

    std::vector<std::string> kernel;
    for (const std::string& line : kernel_lines)
        kernel.push_back(without_subsystem_prefix(line));
    if (!kernel.empty())
        reason += " (kernel: " + join(kernel, "; ") + ")";
    return reason;
}

}  // namespace dmremap
