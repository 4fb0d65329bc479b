#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "metadata_format.hpp"
#include "unique_fd.hpp"

// Where the metadata tools read and write: a spare block device, an image
// file, or bytes in memory (tests, the fuzzer).
namespace dmremap::metadata {

class MetadataImage {
public:
    virtual ~MetadataImage() = default;

    // What reports call it: a path, or "(memory)".
    virtual std::string name() const = 0;
    virtual std::uint64_t size_bytes() const = 0;
    // Fills out from offset: 0, or the errno of the failure. Reading past
    // the end is EINVAL; callers check the size first.
    virtual int read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
    // Throws OperationError. Never past the end.
    virtual void write(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;
    // Makes every write so far durable (fsync); throws OperationError.
    virtual void flush() = 0;

    std::uint64_t size_sectors() const { return size_bytes() / 512; }
};

// One metadata block read from an image.
struct BlockRead {
    enum class Status { ok, beyond_end, io_error };
    Status status = Status::ok;
    int error_code = 0;  // for io_error
    RawBlock block{};

    bool ok() const noexcept { return status == Status::ok; }
};

// The 4096-byte block at byte offset.
BlockRead read_block(MetadataImage& image, std::uint64_t offset);
// The one at sector.
inline BlockRead read_block_at_sector(MetadataImage& image, std::uint64_t sector)
{
    return read_block(image, sector * 512);
}

// An image held in memory. Reads of the chosen offsets fail with EIO, to
// stand in for unreadable sectors.
class MemoryImage final : public MetadataImage {
public:
    explicit MemoryImage(std::vector<std::uint8_t> bytes, std::string name = "(memory)")
        : bytes_(std::move(bytes)), name_(std::move(name))
    {
    }

    std::string name() const override { return name_; }
    std::uint64_t size_bytes() const override { return bytes_.size(); }
    int read(std::uint64_t offset, std::span<std::uint8_t> out) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;
    void flush() override { ++flushes_; }

    // Reads that touch the byte at any of these offsets fail with EIO.
    void fail_reads_at(std::uint64_t offset) { failing_.insert(offset); }
    const std::vector<std::uint8_t>& bytes() const noexcept { return bytes_; }
    std::vector<std::uint8_t>& bytes() noexcept { return bytes_; }
    unsigned flushes() const noexcept { return flushes_; }
    unsigned writes() const noexcept { return writes_; }

private:
    std::vector<std::uint8_t> bytes_;
    std::string name_;
    std::set<std::uint64_t> failing_;
    unsigned flushes_ = 0;
    unsigned writes_ = 0;
};

// A spare device or image file. A block device is opened with O_EXCL, so
// that a spare that a live target (or anything else) holds is refused;
// an image attached to a loop device that something holds is refused too.
class SpareFile final : public MetadataImage {
public:
    enum class Mode { read_only, read_write };

    // Throws OperationError; one saying the spare is in use when it is.
    SpareFile(std::filesystem::path path, Mode mode,
              const std::filesystem::path& sysfs = "/sys");

    std::string name() const override { return path_.string(); }
    std::uint64_t size_bytes() const override { return size_; }
    int read(std::uint64_t offset, std::span<std::uint8_t> out) override;
    void write(std::uint64_t offset, std::span<const std::uint8_t> data) override;
    void flush() override;

    bool is_block_device() const noexcept { return block_device_; }

private:
    std::filesystem::path path_;
    Mode mode_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    bool block_device_ = false;
};

// The loop devices (e.g. "loop3") whose backing file is path, from sysfs.
std::vector<std::string> loop_devices_backed_by(const std::filesystem::path& path,
                                                const std::filesystem::path& sysfs = "/sys");

}  // namespace dmremap::metadata
