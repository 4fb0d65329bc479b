#pragma once

#include <mutex>
#include <ostream>
#include <string>

namespace dmremap::daemon {

// One line per message to a stream (stderr: journald adds the time and the
// unit), prefixed "dmremapd: ", from any thread.
class Logger {
public:
    explicit Logger(std::ostream& out) : out_(&out) {}

    void line(const std::string& text);

private:
    std::mutex mutex_;
    std::ostream* out_;
};

}  // namespace dmremap::daemon
