#include "content_probe.hpp"

#include <blkid/blkid.h>

#include <memory>

namespace dmremap {

namespace {

struct ProbeDeleter {
    void operator()(blkid_probe probe) const noexcept { blkid_free_probe(probe); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeDeleter>;

std::optional<std::string> value(blkid_probe probe, const char* name)
{
    const char* data = nullptr;
    if (blkid_probe_lookup_value(probe, name, &data, nullptr) != 0 || data == nullptr)
        return std::nullopt;
    return std::string(data);
}

std::string describe(blkid_probe probe)
{
    if (const auto type = value(probe, "TYPE")) {
        const auto usage = value(probe, "USAGE");
        std::string text = *type;
        if (usage == "filesystem")
            text += " file system";
        else if (usage == "raid")
            text += " RAID member";
        else if (usage == "crypto")
            text += " encrypted volume";
        if (const auto label = value(probe, "LABEL"))
            text += " (label \"" + *label + "\")";
        return text;
    }
    if (const auto table = value(probe, "PTTYPE"))
        return *table + " partition table";
    return "";
}

}  // namespace

std::optional<std::string> probe_content(const std::filesystem::path& path)
{
    const Probe probe(blkid_new_probe_from_filename(path.c_str()));
    if (!probe)
        return std::nullopt;
    blkid_probe_enable_superblocks(probe.get(), 1);
    blkid_probe_set_superblocks_flags(probe.get(),
                                      BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_USAGE);
    blkid_probe_enable_partitions(probe.get(), 1);
    // 0: found one; 1: nothing; -2: ambiguous (wipefs lists them all, so
    // say what the first probe found).
    const int found = blkid_do_safeprobe(probe.get());
    if (found < 0 && found != -2)
        return std::nullopt;
    if (found == -2) {
        const Probe any(blkid_new_probe_from_filename(path.c_str()));
        if (!any)
            return std::nullopt;
        blkid_probe_enable_superblocks(any.get(), 1);
        blkid_probe_set_superblocks_flags(any.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL |
                                                         BLKID_SUBLKS_USAGE);
        if (blkid_do_probe(any.get()) != 0)
            return std::nullopt;
        const std::string text = describe(any.get());
        return text.empty() ? std::nullopt : std::optional<std::string>(text + " (and more)");
    }
    if (found != 0)
        return std::nullopt;
    const std::string text = describe(probe.get());
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

}  // namespace dmremap
