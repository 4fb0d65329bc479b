#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "error.hpp"

namespace dmremap::cli {

namespace {

// Where a symlink leads (the link itself stays), else path.
std::filesystem::path resolved(const std::filesystem::path& path)
{
    std::error_code error;
    if (!std::filesystem::is_symlink(path, error))
        return path;
    const std::filesystem::path target = std::filesystem::weakly_canonical(path, error);
    return error ? path : target;
}

// Opens the file to write: the temporary file beside a regular target, or
// the target itself. Sets temporary to the temporary file's name.
int open_output(const std::filesystem::path& target, std::filesystem::path& temporary)
{
    struct stat st {};
    const bool exists = ::stat(target.c_str(), &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        temporary.clear();
        return ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
    }
    temporary = target.string() + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 && exists)
        (void)::fchmod(fd, st.st_mode & 07777);  // keep the old file's mode
    return fd;
}

}  // namespace

FdBuffer::FdBuffer(int fd) : fd_(fd)
{
    setp(buffer_, buffer_ + sizeof buffer_);
}

FdBuffer::~FdBuffer()
{
    drain();
}

bool FdBuffer::drain()
{
    const char* p = pbase();
    while (p < pptr() && error_ == 0) {
        const ssize_t n = ::write(fd_, p, static_cast<std::size_t>(pptr() - p));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            error_ = n < 0 ? errno : EIO;
        else
            p += n;
    }
    setp(buffer_, buffer_ + sizeof buffer_);
    return error_ == 0;
}

FdBuffer::int_type FdBuffer::overflow(int_type c)
{
    if (!drain())
        return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
        *pptr() = traits_type::to_char_type(c);
        pbump(1);
    }
    return traits_type::not_eof(c);
}

int FdBuffer::sync()
{
    return drain() ? 0 : -1;
}

OutputFile::OutputFile(const std::filesystem::path& path)
    : target_(resolved(path)), fd_(open_output(target_, temporary_)), buffer_(fd_.get()),
      stream_(&buffer_)
{
    if (!fd_)
        fail("create", temporary_.empty() ? target_ : temporary_, errno);
}

OutputFile::~OutputFile()
{
    if (!committed_ && !temporary_.empty())
        ::unlink(temporary_.c_str());
}

void OutputFile::fail(const std::string& operation, const std::filesystem::path& path, int error_code)
{
    throw OperationError(operation, path.string(), errno_text(error_code), error_code);
}

void OutputFile::commit()
{
    const std::filesystem::path& written = temporary_.empty() ? target_ : temporary_;
    stream_.flush();
    if (buffer_.error() != 0 || !stream_)
        fail("write", target_, buffer_.error() ? buffer_.error() : EIO);
    // A FIFO or a character device has nothing to sync (EINVAL).
    if (::fsync(fd_.get()) != 0 && errno != EINVAL && errno != EROFS)
        fail("sync", written, errno);
    const int fd = fd_.get();
    if (::close(fd) != 0) {
        (void)fd_.release();
        fail("close", written, errno);
    }
    (void)fd_.release();
    if (temporary_.empty()) {
        committed_ = true;
        return;
    }
    if (::rename(temporary_.c_str(), target_.c_str()) != 0)
        fail("rename " + temporary_.string() + " to", target_, errno);
    committed_ = true;
    const std::filesystem::path directory =
        target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
    const UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) != 0)
        fail("sync the directory", directory, errno);
}

}  // namespace dmremap::cli
