#include "signal_fd.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "error.hpp"

namespace dmremap {

SignalFd::SignalFd(std::initializer_list<int> taken, std::initializer_list<int> blocked_only)
{
    sigset_t take_set{}, block_set{};
    sigemptyset(&take_set);
    for (const int signal : taken)
        sigaddset(&take_set, signal);
    block_set = take_set;
    for (const int signal : blocked_only)
        sigaddset(&block_set, signal);
    pthread_sigmask(SIG_BLOCK, &block_set, &old_);
    sigemptyset(&discard_);
    for (const int signal : blocked_only) {
        if (sigismember(&old_, signal) == 0 && sigismember(&take_set, signal) == 0)
            sigaddset(&discard_, signal);
    }
    fd_.reset(::signalfd(-1, &take_set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) {
        const int error = errno;
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
        throw OperationError("create", "a signalfd", errno_text(error), error);
    }
}

SignalFd::~SignalFd()
{
    const timespec now{0, 0};
    while (::sigtimedwait(&discard_, nullptr, &now) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

int SignalFd::take()
{
    signalfd_siginfo info{};
    const ssize_t n = ::read(fd_.get(), &info, sizeof(info));
    return n == static_cast<ssize_t>(sizeof(info)) ? static_cast<int>(info.ssi_signo) : 0;
}

}  // namespace dmremap
