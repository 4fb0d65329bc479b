#include "http_server.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <httplib.h>

#include <chrono>
#include <thread>

#include "error.hpp"
#include "unique_fd.hpp"

namespace dmremap::daemon {

namespace {

constexpr std::size_t worker_threads = 2;

// SO_REUSEADDR so that a restarted daemon binds at once although the
// connections its predecessor closed linger in TIME_WAIT; never
// SO_REUSEPORT (httplib's default), which would let a second daemon share
// the port and answer half the scrapes.
void set_listen_options(int fd)
{
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

}  // namespace

std::string probe_listen(const std::string& host, std::uint16_t port)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int lookup = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (lookup != 0)
        return std::string("cannot resolve the address: ") + ::gai_strerror(lookup);
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
    std::string why = "no usable address";
    for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
        UniqueFd fd(::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol));
        if (!fd) {
            why = errno_text(errno);
            continue;
        }
        set_listen_options(fd.get());
        if (::bind(fd.get(), address->ai_addr, address->ai_addrlen) == 0)
            return {};
        why = errno_text(errno);
    }
    return why;
}

HttpServer::HttpServer(std::function<std::string()> metrics) : server_(std::make_unique<httplib::Server>())
{
    server_->new_task_queue = [] { return new httplib::ThreadPool(worker_threads); };
    server_->set_socket_options([](int fd) { set_listen_options(fd); });
    server_->Get("/metrics", [metrics = std::move(metrics)](const httplib::Request&, httplib::Response& response) {
        response.set_content(metrics(), metrics_content_type);
    });
    server_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
        response.set_content("ok\n", "text/plain; charset=utf-8");
    });
}

HttpServer::~HttpServer()
{
    stop();
}

void HttpServer::start(const std::string& host, std::uint16_t port, const std::string& listen_text)
{
    const std::string why = probe_listen(host, port);
    if (!why.empty())
        throw ListenError("cannot listen on " + listen_text + ": " + why);
    if (port == 0) {
        port_ = server_->bind_to_any_port(host);
        if (port_ <= 0)
            throw ListenError("cannot listen on " + listen_text);
    } else {
        if (!server_->bind_to_port(host, port))
            throw ListenError("cannot listen on " + listen_text + ": the address is in use or not available");
        port_ = port;
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // httplib's stop() does nothing until the loop runs: wait for it, so
    // that a stop right after the start is not lost.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_->is_running() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::stop()
{
    if (thread_.joinable()) {
        server_->stop();
        thread_.join();
    }
}

}  // namespace dmremap::daemon
