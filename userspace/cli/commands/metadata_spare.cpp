#include "metadata_spare.hpp"

#include "metadata_render.hpp"

namespace dmremap::cli {

std::optional<metadata::SpareFile> open_spare(const std::string& path,
                                              metadata::SpareFile::Mode mode, bool json,
                                              const Io& io)
{
    try {
        return std::optional<metadata::SpareFile>(std::in_place, path, mode);
    } catch (const std::exception& error) {
        io.err << "dmremap: " << error.what() << '\n';
        if (json)
            write_json(io.out, check_failure_json(path, error.what()));
        return std::nullopt;
    }
}

}  // namespace dmremap::cli
