#pragma once

#include <filesystem>
#include <ostream>
#include <streambuf>
#include <string>

#include "unique_fd.hpp"

namespace dmremap::cli {

// A stream buffer over a file descriptor that remembers the first write
// error (errno), so that a short write is never taken for a whole one.
class FdBuffer final : public std::streambuf {
public:
    explicit FdBuffer(int fd);
    FdBuffer(const FdBuffer&) = delete;
    FdBuffer& operator=(const FdBuffer&) = delete;
    ~FdBuffer() override;

    // 0, or the errno of the first failed write.
    int error() const noexcept { return error_; }

protected:
    int_type overflow(int_type c) override;
    int sync() override;

private:
    bool drain();

    int fd_;
    int error_ = 0;
    char buffer_[65536];
};

// A file a command was told to write (-o, --backup). A regular file, or a
// name that does not exist yet, is written beside it and renamed over it
// once complete and on disk (fsync of the file, then of its directory), so
// that a failure leaves the old file whole. Anything else (a device, a
// FIFO) is written in place. A symlink is followed, and stays: what it
// points to is written by those rules.
class OutputFile {
public:
    // Throws OperationError.
    explicit OutputFile(const std::filesystem::path& path);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    std::ostream& stream() noexcept { return stream_; }
    // Makes the file complete and durable; throws OperationError.
    void commit();

private:
    void fail(const std::string& operation, const std::filesystem::path& path, int error_code);

    std::filesystem::path target_;
    std::filesystem::path temporary_;  // empty when written in place
    UniqueFd fd_;
    FdBuffer buffer_;
    std::ostream stream_;
    bool committed_ = false;
};

}  // namespace dmremap::cli
