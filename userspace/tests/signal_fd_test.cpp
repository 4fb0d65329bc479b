#include "signal_fd.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace dmremap {
namespace {

bool blocked(int signal)
{
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    return sigismember(&mask, signal) == 1;
}

TEST(SignalFd, TakesItsSignalsThroughTheDescriptor)
{
    SignalFd signals({SIGUSR1, SIGUSR2});
    EXPECT_EQ(signals.take(), 0);
    ASSERT_EQ(::raise(SIGUSR2), 0);  // blocked: pending, and readable
    EXPECT_EQ(signals.take(), SIGUSR2);
    EXPECT_EQ(signals.take(), 0);
}

TEST(SignalFd, RestoresTheMaskAndDiscardsABlockedOnlySignal)
{
    ASSERT_FALSE(blocked(SIGPIPE));
    {
        SignalFd signals({SIGUSR1}, {SIGPIPE});
        EXPECT_TRUE(blocked(SIGUSR1));
        EXPECT_TRUE(blocked(SIGPIPE));
        ASSERT_EQ(::raise(SIGPIPE), 0);  // as a write to a closed pipe does
        EXPECT_EQ(signals.take(), 0);    // not one it takes
    }
    // Still alive: the pending SIGPIPE was dropped, not delivered.
    EXPECT_FALSE(blocked(SIGUSR1));
    EXPECT_FALSE(blocked(SIGPIPE));
    sigset_t pending;
    sigpending(&pending);
    EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

}  // namespace
}  // namespace dmremap
