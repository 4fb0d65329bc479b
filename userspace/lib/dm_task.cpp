#include "dm_task.hpp"

#include <libdevmapper.h>

#include "dm_error.hpp"

namespace dmremap {

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
        if (log_.messages().empty())
            throw DmError(operation_, device_, 0,
                          {"libdevmapper cannot talk to the kernel's device-mapper driver "
                           "(is it available, and are you root?)"},
                          {});
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
    std::vector<std::string> kernel_lines;
    if (kernel_log_)
        kernel_lines = kernel_log_->device_mapper_lines();
    throw DmError(operation_, device_, error_code, log_.reasons(), std::move(kernel_lines));
}

}  // namespace dmremap
