#include "metadata_image.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "block_device.hpp"
#include "error.hpp"

namespace dmremap::metadata {

namespace {

[[noreturn]] void fail(const std::string& operation, const std::filesystem::path& path,
                       int error_code)
{
    throw OperationError(operation, path.string(), errno_text(error_code), error_code);
}

std::string joined(const std::vector<std::string>& names)
{
    std::string text;
    for (const std::string& name : names)
        text += (text.empty() ? "" : ", ") + name;
    return text;
}

std::string first_line(const std::filesystem::path& file)
{
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

}  // namespace

BlockRead read_block(MetadataImage& image, std::uint64_t offset)
{
    BlockRead result;
    const std::uint64_t size = image.size_bytes();
    if (offset > size || size - offset < block_bytes) {
        result.status = BlockRead::Status::beyond_end;
        return result;
    }
    const int error = image.read(offset, result.block);
    if (error != 0) {
        result.status = BlockRead::Status::io_error;
        result.error_code = error;
        result.block.fill(0);
    }
    return result;
}

int MemoryImage::read(std::uint64_t offset, std::span<std::uint8_t> out)
{
    if (offset > bytes_.size() || bytes_.size() - offset < out.size())
        return EINVAL;
    const auto failing = failing_.lower_bound(offset);
    if (failing != failing_.end() && *failing < offset + out.size())
        return EIO;
    std::memcpy(out.data(), bytes_.data() + offset, out.size());
    return 0;
}

void MemoryImage::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    if (offset > bytes_.size() || bytes_.size() - offset < data.size())
        throw OperationError("write", name_, "beyond the end of the image", EINVAL);
    std::memcpy(bytes_.data() + offset, data.data(), data.size());
    ++writes_;
}

SpareFile::SpareFile(std::filesystem::path path, Mode mode, const std::filesystem::path& sysfs)
    : path_(std::move(path)), mode_(mode)
{
    const int access = mode == Mode::read_write ? O_RDWR : O_RDONLY;
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0)
        fail("open", path_, errno);
    block_device_ = S_ISBLK(st.st_mode);
    if (!block_device_ && !S_ISREG(st.st_mode))
        throw OperationError("open", path_.string(), "neither a block device nor a regular file");

    if (block_device_) {
        // O_EXCL on a block device: fails with EBUSY while a device-mapper
        // table, a file system or anything else holds it.
        fd_.reset(::open(path_.c_str(), access | O_EXCL | O_CLOEXEC));
        if (!fd_ && errno == EBUSY) {
            const auto holders =
                device_holders(DeviceNumber{::major(st.st_rdev), ::minor(st.st_rdev)}, sysfs);
            throw OperationError(
                "open", path_.string(),
                "the spare is in use" +
                    (holders.empty() ? std::string(" (mounted, or opened exclusively by another program)")
                                     : " by " + joined(holders) + " (a live dm-remap target?)") +
                    ": remove the device that uses it first",
                EBUSY);
        }
    } else {
        for (const std::string& loop : loop_devices_backed_by(path_, sysfs)) {
            std::vector<std::string> holders;
            std::error_code error;
            for (const auto& entry : std::filesystem::directory_iterator(
                     sysfs / "block" / loop / "holders", error))
                holders.push_back(entry.path().filename().string());
            if (!holders.empty()) {
                std::sort(holders.begin(), holders.end());
                throw OperationError("open", path_.string(),
                                     "the image is attached to /dev/" + loop + ", which " +
                                         joined(holders) +
                                         " holds (a live dm-remap target?): remove the device "
                                         "that uses it first",
                                     EBUSY);
            }
        }
        fd_.reset(::open(path_.c_str(), access | O_CLOEXEC));
    }
    if (!fd_)
        fail("open", path_, errno);

    if (block_device_) {
        if (::ioctl(fd_.get(), BLKGETSIZE64, &size_) != 0)
            fail("read the size of", path_, errno);
        // The kernel writes metadata with bios that bypass the page cache:
        // drop whatever an earlier reader left there.
        ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_DONTNEED);
    } else {
        struct stat opened {};
        if (::fstat(fd_.get(), &opened) != 0)
            fail("stat", path_, errno);
        size_ = static_cast<std::uint64_t>(opened.st_size);
    }
}

int SpareFile::read(std::uint64_t offset, std::span<std::uint8_t> out)
{
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(fd_.get(), out.data() + done, out.size() - done,
                                  static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EINVAL;  // the file shrank under us
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

void SpareFile::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    if (mode_ != Mode::read_write)
        throw OperationError("write", path_.string(), "opened read-only", EBADF);
    if (offset > size_ || size_ - offset < data.size())
        throw OperationError("write", path_.string(), "beyond the end of the device", EINVAL);
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(fd_.get(), data.data() + done, data.size() - done,
                                   static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail("write at byte " + std::to_string(offset + done) + " of", path_, errno);
        }
        done += static_cast<std::size_t>(n);
    }
}

void SpareFile::flush()
{
    if (mode_ == Mode::read_write && ::fsync(fd_.get()) != 0)
        fail("flush", path_, errno);
}

std::vector<std::string> loop_devices_backed_by(const std::filesystem::path& path,
                                                const std::filesystem::path& sysfs)
{
    std::vector<std::string> loops;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(sysfs / "block", error)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("loop", 0) != 0)
            continue;
        const std::string backing = first_line(entry.path() / "loop" / "backing_file");
        if (backing.empty())
            continue;
        std::error_code same_error;
        if (std::filesystem::equivalent(backing, path, same_error))
            loops.push_back(name);
    }
    std::sort(loops.begin(), loops.end());
    return loops;
}

}  // namespace dmremap::metadata
