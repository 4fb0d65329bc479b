#pragma once

#include <signal.h>

#include <initializer_list>

#include "unique_fd.hpp"

namespace dmremap {

// Signals that arrive through a descriptor an event loop polls, rather than
// through handlers. Blocks the taken signals (and the blocked-only ones,
// e.g. SIGPIPE so that a write to a closed pipe fails with EPIPE instead of
// killing the process) for the calling thread until destroyed. Create it
// before any thread starts, so that every thread inherits the mask and
// none takes them instead.
//
// Destroying it restores the mask, after discarding the blocked-only
// signals that arrived meanwhile (a SIGPIPE of a failed write must not kill
// the process once unblocked, before it reports the failure).
class SignalFd {
public:
    // Throws OperationError when the signalfd cannot be made.
    SignalFd(std::initializer_list<int> taken, std::initializer_list<int> blocked_only = {});
    ~SignalFd();
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;

    int fd() const noexcept { return fd_.get(); }

    // The next pending taken signal, or 0.
    int take();

private:
    sigset_t old_{};
    sigset_t discard_{};  // blocked-only signals not blocked before
    UniqueFd fd_;
};

}  // namespace dmremap
