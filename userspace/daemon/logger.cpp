#include "logger.hpp"

namespace dmremap::daemon {

void Logger::line(const std::string& text)
{
    std::string one_line = text;
    for (char& c : one_line) {
        if (c == '\n')
            c = ' ';
    }
    const std::lock_guard lock(mutex_);
    *out_ << "dmremapd: " << one_line << std::endl;
}

}  // namespace dmremap::daemon
