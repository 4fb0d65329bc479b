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

TEST(HttpServer, AddressThatIsNotLocal)
{
    HttpServer server([] { return std::string(); });
    EXPECT_THAT(probe_listen("192.0.2.1", 9748), testing::HasSubstr("assign"));
    EXPECT_THAT(probe_listen("no such host name.invalid", 9748), testing::HasSubstr("cannot resolve"));
}

}  // namespace
}  // namespace dmremap::daemon
