#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "metadata_check.hpp"
#include "metadata_image.hpp"
#include "metadata_image_builder.hpp"

namespace dmremap::testing_support {

inline metadata::CheckReport check_bytes(const std::vector<std::uint8_t>& bytes)
{
    metadata::MemoryImage image(bytes);
    return metadata::check_metadata(image);
}

inline metadata::CheckReport check_builder(const ImageBuilder& builder)
{
    return check_bytes(builder.bytes());
}

// Whether the report lists a problem matching everything given.
inline bool has_problem(const metadata::CheckReport& report, metadata::Severity severity,
                        std::optional<unsigned> copy = std::nullopt,
                        std::optional<std::uint64_t> meta_block = std::nullopt,
                        const std::string& field = "", const std::string& text = "")
{
    return std::any_of(report.problems.begin(), report.problems.end(), [&](const auto& p) {
        return p.severity == severity && (!copy || p.copy == copy) &&
               (!meta_block || p.meta_block == meta_block) && (field.empty() || p.field == field) &&
               (text.empty() || p.message.find(text) != std::string::npos);
    });
}

// Everything a report lists, for failure messages.
inline std::string listing(const metadata::CheckReport& report)
{
    std::string text;
    for (const auto& p : report.problems) {
        text += std::string(metadata::to_string(p.severity)) + " copy=" +
                (p.copy ? std::to_string(*p.copy) : "-") + " block=" +
                (p.meta_block ? std::to_string(*p.meta_block) : "-") + " field=" + p.field + ": " +
                p.message + "\n";
    }
    return text;
}

// spare block -> target block of the copy the kernel would load.
inline std::map<std::uint64_t, std::uint64_t> loaded_remaps(const std::vector<std::uint8_t>& bytes)
{
    metadata::MemoryImage image(bytes);
    const auto report = metadata::check_metadata(image);
    std::map<std::uint64_t, std::uint64_t> remaps;
    if (const auto* chosen = report.chosen_copy()) {
        metadata::for_each_remap(image, *chosen, [&](std::uint64_t spare, const metadata::Entry& e) {
            remaps[spare] = e.block;
        });
    }
    return remaps;
}

}  // namespace dmremap::testing_support
