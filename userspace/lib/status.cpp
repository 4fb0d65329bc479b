#include "status.hpp"

#include <limits>

#include "error.hpp"
#include "number_parse.hpp"
#include "tokens.hpp"

namespace dmremap {

namespace {

constexpr std::array<std::string_view, 4> metadata_state_words = {"ok", "degraded", "failed",
                                                                   "unloaded"};
constexpr std::array<std::string_view, 4> health_state_words = {"ok", "warning", "critical",
                                                                 "failed"};

template <typename Enum, std::size_t N>
std::optional<Enum> enum_from_word(const std::array<std::string_view, N>& words,
                                   std::string_view word)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (words[i] == word)
            return static_cast<Enum>(i);
    }
    return std::nullopt;
}

std::string field_context(std::size_t index)
{
    return "status field " + std::to_string(index + 1) + " '" +
           std::string(status_field_names[index]) + "'";
}

std::uint64_t number_field(const std::vector<std::string_view>& words, std::size_t index,
                           std::uint64_t max = std::numeric_limits<std::uint64_t>::max())
{
    return parse_unsigned(words[index], field_context(index), max);
}

template <std::size_t N>
std::string joined(const std::array<std::string_view, N>& words)
{
    std::string list;
    for (std::string_view word : words)
        list += (list.empty() ? "" : ", ") + std::string(word);
    return list;
}

template <typename Enum, std::size_t N>
Enum enum_field(const std::vector<std::string_view>& words, std::size_t index,
                const std::array<std::string_view, N>& allowed)
{
    if (auto value = enum_from_word<Enum>(allowed, words[index]))
        return *value;
    throw ParseError(field_context(index),
                     "'" + std::string(words[index]) + "' is not one of " + joined(allowed));
}

}  // namespace

std::string_view to_string(MetadataState state)
{
    return metadata_state_words.at(static_cast<std::size_t>(state));
}

std::string_view to_string(HealthState state)
{
    return health_state_words.at(static_cast<std::size_t>(state));
}

std::string metadata_state_names()
{
    return joined(metadata_state_words);
}

std::optional<MetadataState> metadata_state_from_string(std::string_view word)
{
    return enum_from_word<MetadataState>(metadata_state_words, word);
}

std::optional<HealthState> health_state_from_string(std::string_view word)
{
    return enum_from_word<HealthState>(health_state_words, word);
}

TargetStatus parse_status(std::string_view params)
{
    const std::vector<std::string_view> words = split_words(params);
    if (words.size() < status_field_names.size()) {
        throw ParseError(field_context(words.size()),
                         "missing: the status has " + std::to_string(words.size()) +
                             " fields, at least " + std::to_string(status_field_names.size()) +
                             " are required");
    }

    TargetStatus status;
    status.block_size =
        static_cast<std::uint32_t>(number_field(words, 0, std::numeric_limits<std::uint32_t>::max()));
    status.remapped = number_field(words, 1);
    status.spare_total = number_field(words, 2);
    status.spare_free = number_field(words, 3);
    status.read_errors = number_field(words, 4);
    status.write_errors = number_field(words, 5);
    status.auto_remaps = number_field(words, 6);
    status.lost_sectors = number_field(words, 7);
    status.metadata_seq = number_field(words, 8);
    status.metadata_state = enum_field<MetadataState>(words, 9, metadata_state_words);
    status.health_score = static_cast<unsigned>(number_field(words, 10, 100));
    status.health_state = enum_field<HealthState>(words, 11, health_state_words);
    for (std::size_t i = status_field_names.size(); i < words.size(); ++i)
        status.extra.emplace_back(words[i]);
    return status;
}

}  // namespace dmremap
