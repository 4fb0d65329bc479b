#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace dmremap::daemon {

// The listening address cannot be used (in use, not local, no permission).
class ListenError : public std::runtime_error {
public:
    explicit ListenError(const std::string& message) : std::runtime_error(message) {}
};

inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// GET /metrics answers what metrics() returns, GET /healthz "ok", on a
// thread of its own (and two worker threads).
class HttpServer {
public:
    explicit HttpServer(std::function<std::string()> metrics);
    ~HttpServer();

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds host:port and starts serving; throws ListenError saying why the
    // address cannot be used. listen_text names it in messages.
    void start(const std::string& host, std::uint16_t port, const std::string& listen_text);
    // The port bound (useful after start with port 0 in tests).
    int port() const noexcept { return port_; }
    void stop();

private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

// Why binding host:port for TCP would fail ("" when it would not).
std::string probe_listen(const std::string& host, std::uint16_t port);

}  // namespace dmremap::daemon
