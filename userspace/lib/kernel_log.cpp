#include "kernel_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace dmremap {

namespace {

// A /dev/kmsg record is at most this long (the kernel's CONSOLE_EXT_LOG_MAX).
constexpr std::size_t max_record = 8192;

}  // namespace

KernelLogWatch::KernelLogWatch()
    : kmsg_(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC))
{
    if (kmsg_ && ::lseek(kmsg_.get(), 0, SEEK_END) < 0)
        kmsg_.reset();
}

std::vector<std::string> KernelLogWatch::device_mapper_lines()
{
    std::vector<std::string> lines;
    if (!kmsg_)
        return lines;
    std::string record(max_record, '\0');
    for (;;) {
        const ssize_t n = ::read(kmsg_.get(), record.data(), record.size());
        if (n < 0) {
            // EPIPE: records were overwritten before being read; the read
            // position has moved on to the oldest one left, so read on.
            if (errno == EPIPE || errno == EINTR)
                continue;
            break;  // EAGAIN: nothing more
        }
        if (n == 0)
            break;
        auto text = kmsg_record_text(std::string_view(record.data(), static_cast<std::size_t>(n)));
        if (text && is_device_mapper_message(*text))
            lines.push_back(std::move(*text));
    }
    return lines;
}

std::optional<std::string> kmsg_record_text(std::string_view record)
{
    const std::size_t semicolon = record.find(';');
    if (semicolon == std::string_view::npos)
        return std::nullopt;
    std::string_view text = record.substr(semicolon + 1);
    text = text.substr(0, text.find('\n'));
    return std::string(text);
}

bool is_device_mapper_message(std::string_view text)
{
    return text.starts_with("device-mapper:") || text.find("dm-remap") != std::string_view::npos ||
           text.find("dm_remap") != std::string_view::npos;
}

}  // namespace dmremap
