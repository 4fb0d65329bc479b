#include "remap_sample.hpp"

#include <cerrno>
#include <fstream>

#include "dm_error.hpp"

#include "error.hpp"
#include "number_parse.hpp"
#include "table_line.hpp"

namespace dmremap {

namespace {

std::optional<std::uint64_t> read_sysfs_number(const std::filesystem::path& path)
{
    std::ifstream in(path);
    std::string text;
    if (!in || !std::getline(in, text))
        return std::nullopt;
    try {
        return parse_unsigned(text, path.string());
    } catch (const ParseError&) {
        return std::nullopt;
    }
}

}  // namespace

std::string block_device_name(const SysfsPaths& sysfs, const std::string& major_minor)
{
    std::error_code error;
    const std::filesystem::path target =
        std::filesystem::read_symlink(sysfs.dev_block / major_minor, error);
    if (error || target.filename().empty())
        return major_minor;
    return target.filename().string();
}

RemapSample read_remap_sample(DmControl& dm, const WatchedDevice& device, const SysfsPaths& sysfs)
{
    RemapSample sample;
    sample.device = device;
    try {
        const TableParams table = parse_table_params(device.target.params);
        sample.main_device = block_device_name(sysfs, table.main_dev);
        sample.spare_device = block_device_name(sysfs, table.spare_dev);
    } catch (const ParseError& error) {
        sample.error = error.what();
        return sample;
    }

    const std::string& name = device.entry.name;
    try {
        bool found = false;
        for (const Target& line : dm.status(name)) {
            if (line.start == device.target.start && is_remap_target_type(line.type)) {
                sample.status = parse_status(line.params);
                found = true;
                break;
            }
        }
        if (!found) {
            sample.error = "the remap target is gone from the live table";
            return sample;
        }
    } catch (const DmError& error) {
        sample.error = error.what();
        sample.gone = error.error_code() == ENXIO;
        return sample;
    } catch (const std::exception& error) {
        sample.error = error.what();
        return sample;
    }
    if (!table_loaded(sample.status)) {
        // a table between its swap and the resume that loads it: its
        // figures are those of an empty table, not the device's
        sample.error = "the remap table is not loaded (a new table waits for a resume that loads it)";
        return sample;
    }
    if (sample.status.block_size != 0)
        sample.nr_blocks = device.target.length * sector_size / sample.status.block_size;
    sample.up = true;

    try {
        sample.scrub = parse_scrub_status_reply(dm.message(name, device.target.start, "scrub status"));
    } catch (const std::exception&) {
        sample.scrub.reset();
    }
    sample.metadata_commits =
        read_sysfs_number(sysfs.dm_remap / device.entry.kernel_name() / "metadata_commits");
    return sample;
}

}  // namespace dmremap
