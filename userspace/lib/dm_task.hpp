#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "dm_log_capture.hpp"
#include "kernel_log.hpp"

struct dm_task;

namespace dmremap {

// One libdevmapper task (one ioctl) and everything needed to explain its
// failure. Internal to DmControl.
class DmTask {
public:
    enum class KernelReasons { ignore, collect };

    // operation and device only label errors. With KernelReasons::collect
    // the kernel log is watched from here on (see KernelLogWatch).
    DmTask(int type, std::string operation, std::string device,
           KernelReasons kernel_reasons = KernelReasons::ignore);
    ~DmTask();

    DmTask(const DmTask&) = delete;
    DmTask& operator=(const DmTask&) = delete;

    dm_task* get() const noexcept { return task_.get(); }

    // Checks the result of a dm_task_set_* call; throws DmError when it failed.
    void require(int ok, const char* what);

    // Runs the ioctl; throws DmError when it fails.
    void run();

    // Runs an ioctl that makes udev events (create, resume, remove) and waits
    // until udev has processed them, so that /dev/mapper is up to date when
    // it returns. When udev is not running or DM_DISABLE_UDEV is set,
    // libdevmapper maintains the nodes itself instead.
    void run_with_udev_sync();

    [[noreturn]] void fail(int error_code);

private:
    struct Deleter {
        void operator()(dm_task* task) const noexcept;
    };

    std::string operation_;
    std::string device_;
    // Declared before task_ so that it outlives it: dm_task_destroy may log.
    DmLogCapture log_;
    std::optional<KernelLogWatch> kernel_log_;
    std::unique_ptr<dm_task, Deleter> task_;
};

}  // namespace dmremap
