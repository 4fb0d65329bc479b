#include "http_server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>

namespace dmremap::daemon {
namespace {

TEST(HttpServer, ServesMetricsAndHealth)
{
    int calls = 0;
    HttpServer server([&calls] {
        ++calls;
        return std::string("dmremapd_build_info{version=\"1\"} 1\n");
    });
    server.start("127.0.0.1", 0, "127.0.0.1:0");
    httplib::Client client("127.0.0.1", server.port());
    const auto metrics = client.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(metrics->body, "dmremapd_build_info{version=\"1\"} 1\n");
    EXPECT_EQ(calls, 1);
    const auto health = client.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->body, "ok\n");
    const auto other = client.Get("/other");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 404);
    server.stop();
}

TEST(HttpServer, PortInUseIsAClearError)
{
    HttpServer first([] { return std::string(); });
    first.start("127.0.0.1", 0, "127.0.0.1:0");
    HttpServer second([] { return std::string(); });
    const auto port = static_cast<std::uint16_t>(first.port());
    const std::string where = "127.0.0.1:" + std::to_string(port);
    try {
        second.start("127.0.0.1", port, where);
        FAIL() << "no ListenError";
    } catch (const ListenError& error) {
        EXPECT_EQ(std::string(error.what()), "cannot listen on " + where + ": Address already in use");
    }
}

// A daemon restarted right away gets its port back: the connections the
// previous one closed are still in TIME_WAIT, which must not make the new
// bind fail (they did when httplib marked sockets SO_REUSEPORT only).
TEST(HttpServer, RestartOnTheSamePortAfterServing)
{
    std::uint16_t port = 0;
    {
        HttpServer first([] { return std::string("x\n"); });
        first.start("127.0.0.1", 0, "127.0.0.1:0");
        port = static_cast<std::uint16_t>(first.port());
        for (int i = 0; i < 3; ++i) {
            httplib::Client client("127.0.0.1", port);
            client.set_keep_alive(false);
            const auto got = client.Get("/metrics");
            ASSERT_TRUE(got);
            EXPECT_EQ(got->body, "x\n");
        }
    }
    HttpServer second([] { return std::string("y\n"); });
    EXPECT_EQ(probe_listen("127.0.0.1", port), "");
    second.start("127.0.0.1", port, "127.0.0.1:" + std::to_string(port));
    httplib::Client client("127.0.0.1", port);
    const auto got = client.Get("/metrics");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->body, "y\n");
}

// SO_REUSEPORT on the listening socket would let a second daemon of the
// same user share the port and take half the scrapes: it must not be set.
TEST(HttpServer, SecondServerCannotSharePort)
{
    HttpServer first([] { return std::string(); });
    first.start("127.0.0.1", 0, "127.0.0.1:0");
    const auto port = static_cast<std::uint16_t>(first.port());
    httplib::Server raw;
    EXPECT_FALSE(raw.bind_to_port("127.0.0.1", port));
}

TEST(HttpServer, AddressThatIsNotLocal)
{
    HttpServer server([] { return std::string(); });
    EXPECT_THAT(probe_listen("192.0.2.1", 9748), testing::HasSubstr("assign"));
    EXPECT_THAT(probe_listen("no such host name.invalid", 9748), testing::HasSubstr("cannot resolve"));
}

}  // namespace
}  // namespace dmremap::daemon
