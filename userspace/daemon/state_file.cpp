#include "state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "unique_fd.hpp"

namespace dmremap::daemon {

namespace {

constexpr int schema = 1;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& why)
{
    throw std::runtime_error("state file " + path.string() + ": " + why);
}

}  // namespace

DaemonState DaemonState::load(const std::filesystem::path& path)
{
    DaemonState state;
    std::ifstream in(path);
    if (!in) {
        if (errno == ENOENT)
            return state;
        fail(path, errno_text(errno));
    }
    try {
        const nlohmann::json json = nlohmann::json::parse(in);
        if (json.at("schema").get<int>() != schema)
            fail(path, "unknown schema " + json.at("schema").dump());
        for (const auto& [name, device] : json.at("devices").items()) {
            if (device.contains("spare"))
                state.spare.emplace(name, SpareHistory::from_json(device.at("spare")));
            if (device.contains("last_scrub"))
                state.last_scrub.emplace(name, device.at("last_scrub").get<std::int64_t>());
        }
    } catch (const nlohmann::json::exception& error) {
        fail(path, error.what());
    }
    return state;
}

void DaemonState::save(const std::filesystem::path& path) const
{
    nlohmann::json devices = nlohmann::json::object();
    for (const auto& [name, history] : spare)
        devices[name]["spare"] = history.to_json();
    for (const auto& [name, when] : last_scrub)
        devices[name]["last_scrub"] = when;
    const std::string text = nlohmann::json{{"schema", schema}, {"devices", devices}}.dump() + "\n";

    std::error_code dir_error;
    if (path.has_parent_path())
        std::filesystem::create_directories(path.parent_path(), dir_error);
    const std::filesystem::path temporary = path.string() + ".new";
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd)
        fail(temporary, errno_text(errno));
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail(temporary, errno_text(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0)
        fail(temporary, errno_text(errno));
    fd.reset();
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        fail(path, errno_text(errno));
}

}  // namespace dmremap::daemon
