#include "dm_task.hpp"

#include <libdevmapper.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "dm_error.hpp"

namespace dmremap {

namespace {

// device-mapper registers the misc device "device-mapper" when it is
// loaded (or built in).
bool device_mapper_loaded(const char* misc = "/proc/misc")
{
    std::ifstream in(misc);
    if (!in)
        return true;  // cannot tell: say nothing
    std::string line;
    while (std::getline(in, line))
        if (line.ends_with(" device-mapper"))
            return true;
    return false;
}

// What to do when libdevmapper cannot reach the driver, or "".
std::string driver_advice()
{
    if (!device_mapper_loaded())
        return "the kernel's device-mapper driver is not loaded: load it with 'modprobe dm_mod'";
    if (::geteuid() != 0)
        return "device-mapper needs root: run dmremap as root";
    return "";
}

}  // namespace

void DmTask::Deleter::operator()(dm_task* task) const noexcept
{
    dm_task_destroy(task);
}

DmTask::DmTask(int type, std::string operation, std::string device, KernelReasons kernel_reasons)
    : operation_(std::move(operation)), device_(std::move(device))
{
    if (kernel_reasons == KernelReasons::collect)
        kernel_log_.emplace();
    // dm_task_create checks the kernel driver version, so it is the first
    // call that finds a kernel without device-mapper.
    task_.reset(dm_task_create(type));
    if (!task_) {
        // libdevmapper says why only the first time: it caches the failed
        // driver version check for the rest of the process.
        const std::string advice = driver_advice();
        if (!advice.empty())
            throw DmError(operation_, device_, 0, {advice}, {});
        if (log_.messages().empty())
            throw DmError(operation_, device_, 0,
                          {"libdevmapper cannot talk to the kernel's device-mapper driver"}, {});
        fail(0);
    }
}

DmTask::~DmTask() = default;

void DmTask::require(int ok, const char* what)
{
    if (!ok) {
        if (log_.messages().empty())
            throw DmError(operation_, device_, 0, {std::string(what) + " failed"}, {});
        fail(0);
    }
}

void DmTask::run()
{
    if (!dm_task_run(task_.get()))
        fail(dm_task_get_errno(task_.get()));
}

void DmTask::run_with_udev_sync()
{
    std::uint32_t cookie = 0;
    require(dm_task_set_cookie(task_.get(), &cookie, 0), "setting up the udev cookie");
    const bool ok = dm_task_run(task_.get()) != 0;
    const int error_code = ok ? 0 : dm_task_get_errno(task_.get());
    // Also after a failure: the wait releases the cookie's semaphore, and
    // without udev it is where libdevmapper creates or removes the nodes.
    (void)dm_udev_wait(cookie);
    if (!ok)
        fail(error_code);
}

void DmTask::fail(int error_code)
{
    // Without the driver every ioctl fails: say that, not libdevmapper's
    // chatter about versions.
    if (!device_mapper_loaded())
        throw DmError(operation_, device_, 0, {driver_advice()}, {});
    std::vector<std::string> kernel_lines;
    if (kernel_log_)
        kernel_lines = kernel_log_->device_mapper_lines();
    throw DmError(operation_, device_, error_code, log_.reasons(), std::move(kernel_lines));
}

}  // namespace dmremap
