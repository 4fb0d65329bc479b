#include "metadata_spare.hpp"

#include "advice.hpp"
#include "content_probe.hpp"
#include "metadata_render.hpp"

namespace dmremap::cli {

std::optional<metadata::SpareFile> open_spare(const std::string& path,
                                              metadata::SpareFile::Mode mode, bool json,
                                              const Io& io)
{
    try {
        return std::optional<metadata::SpareFile>(std::in_place, path, mode);
    } catch (const std::exception& error) {
        const std::string message = failure_text(error);
        io.err << "dmremap: " << message << '\n';
        if (json)
            write_json(io.out, check_failure_json(path, message));
        return std::nullopt;
    }
}

metadata::CheckReport check_spare(metadata::SpareFile& spare)
{
    metadata::CheckReport report = metadata::check_metadata(spare);
    if (report.no_metadata && !report.blank)
        report.foreign = probe_content(spare.name());
    return report;
}

}  // namespace dmremap::cli
