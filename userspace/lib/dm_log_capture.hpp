#pragma once

#include <string>
#include <vector>

namespace dmremap {

// Collects what libdevmapper logs while an instance is alive on this thread,
// instead of letting the library print it to stderr, so that a failed
// operation can report libdevmapper's reason in its exception.
//
// The compromise: libdevmapper has exactly one, process-wide, log function
// and no way to read it back. The first live capture in the process installs
// a forwarding function with dm_log_with_errno_init() and the last one to end
// restores the library default (dm_log_with_errno_init(NULL)); a log function
// another part of the program had installed is not restored. The forwarding
// function hands each message to the innermost capture of the calling thread,
// so calls on different threads do not see each other's messages; a message
// from a thread without a capture is printed to stderr the way the default
// would print it. Captures nest; each thread's innermost capture wins.
class DmLogCapture {
public:
    struct Message {
        int level;  // syslog-style: 3 error, 4 warning
        std::string text;
    };

    DmLogCapture();
    ~DmLogCapture();

    DmLogCapture(const DmLogCapture&) = delete;
    DmLogCapture& operator=(const DmLogCapture&) = delete;

    // Errors and warnings logged so far, oldest first. Debug output is dropped.
    const std::vector<Message>& messages() const noexcept { return messages_; }
    // The texts of the errors only (or, when there are none, the warnings).
    std::vector<std::string> reasons() const;

private:
    static void receive(int level, const char* file, int line, int dm_errno_or_class,
                        const char* format, ...) __attribute__((format(printf, 5, 6)));

    static thread_local DmLogCapture* innermost_;

    DmLogCapture* outer_;
    std::vector<Message> messages_;
};

}  // namespace dmremap
