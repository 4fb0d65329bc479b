#include "dm_log_capture.hpp"

#include <libdevmapper.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace dmremap {

namespace {

// libdevmapper's levels, with flag bits (_LOG_STDERR, _LOG_ONCE) above them.
constexpr int level_mask = 0x7f;
constexpr int log_error_level = 3;
constexpr int log_warning_level = 4;

// How many captures are alive in the process: the forwarding function is
// installed while this is non-zero. This is the one piece of process-wide
// state, forced by libdevmapper's single log function.
struct Installation {
    std::mutex mutex;
    unsigned captures = 0;
};

Installation& installation()
{
    static Installation instance;
    return instance;
}

}  // namespace

thread_local DmLogCapture* DmLogCapture::innermost_ = nullptr;

DmLogCapture::DmLogCapture() : outer_(innermost_)
{
    {
        Installation& install = installation();
        const std::lock_guard lock(install.mutex);
        if (install.captures++ == 0)
            dm_log_with_errno_init(&DmLogCapture::receive);
    }
    innermost_ = this;
}

DmLogCapture::~DmLogCapture()
{
    innermost_ = outer_;
    Installation& install = installation();
    const std::lock_guard lock(install.mutex);
    if (--install.captures == 0)
        dm_log_with_errno_init(nullptr);
}

std::vector<std::string> DmLogCapture::reasons() const
{
    std::vector<std::string> errors, warnings;
    for (const Message& message : messages_)
        (message.level <= log_error_level ? errors : warnings).push_back(message.text);
    return errors.empty() ? warnings : errors;
}

void DmLogCapture::receive(int level, const char*, int, int, const char* format, ...)
{
    level &= level_mask;
    if (level > log_warning_level)
        return;

    va_list args;
    va_start(args, format);
    va_list length_args;
    va_copy(length_args, args);
    const int length = std::vsnprintf(nullptr, 0, format, length_args);
    va_end(length_args);
    std::string text;
    if (length > 0) {
        text.resize(static_cast<std::size_t>(length) + 1);
        std::vsnprintf(text.data(), text.size(), format, args);
        text.resize(static_cast<std::size_t>(length));
    }
    va_end(args);

    if (innermost_ != nullptr)
        innermost_->messages_.push_back(Message{level, std::move(text)});
    else
        std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace dmremap
