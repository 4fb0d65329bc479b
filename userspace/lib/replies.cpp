#include "replies.hpp"

#include <algorithm>

#include "error.hpp"
#include "number_parse.hpp"
#include "tokens.hpp"

namespace dmremap {

namespace {

std::string line_context(std::string_view reply_name, std::size_t line_number)
{
    return std::string(reply_name) + " reply line " + std::to_string(line_number);
}

// The lines of a reply that hold something, each with its 1-based number.
std::vector<std::pair<std::size_t, std::string_view>> content_lines(std::string_view reply)
{
    std::vector<std::pair<std::size_t, std::string_view>> lines;
    std::size_t number = 0;
    for (std::string_view line : split_lines(reply)) {
        ++number;
        if (!is_blank(line))
            lines.emplace_back(number, line);
    }
    return lines;
}

// The words of a reply that must be a single line.
std::vector<std::string_view> single_line_words(std::string_view reply, std::string_view name)
{
    const auto lines = content_lines(reply);
    if (lines.empty())
        throw ParseError(std::string(name) + " reply", "empty");
    if (lines.size() > 1)
        throw ParseError(line_context(name, lines[1].first), "unexpected second line");
    return split_words(lines[0].second);
}

bool is_valid_key(std::string_view key)
{
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

bool is_valid_flags(std::string_view flags)
{
    if (flags == "-")
        return true;
    return !flags.empty() && std::all_of(flags.begin(), flags.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

std::pair<std::string_view, std::string_view> split_pair(std::string_view word,
                                                         const std::string& where)
{
    const std::size_t equals = word.find('=');
    if (equals == std::string_view::npos)
        throw ParseError(where, "expected key=value, got '" + std::string(word) + "'");
    const std::string_view key = word.substr(0, equals);
    if (!is_valid_key(key))
        throw ParseError(where, "invalid key '" + std::string(key) + "'");
    return {key, word.substr(equals + 1)};
}

}  // namespace

void KeyValues::add(std::string key, std::string value)
{
    items_.emplace_back(std::move(key), std::move(value));
}

const std::string* KeyValues::find(std::string_view key) const
{
    for (const Item& item : items_) {
        if (item.first == key)
            return &item.second;
    }
    return nullptr;
}

std::uint64_t KeyValues::number(std::string_view key) const
{
    const std::string context = "key '" + std::string(key) + "'";
    const std::string* value = find(key);
    if (value == nullptr)
        throw ParseError(context, "missing");
    return parse_unsigned(*value, context);
}

RemapReply parse_remap_reply(std::string_view reply)
{
    const auto words = single_line_words(reply, "remap");
    const std::string where = line_context("remap", 1);
    if (words.size() != 2) {
        throw ParseError(where, "expected '<block> <spare_block>', got " +
                                    std::to_string(words.size()) + " words");
    }
    return RemapReply{parse_unsigned(words[0], where + " block"),
                      parse_unsigned(words[1], where + " spare_block")};
}

std::uint64_t parse_unremap_reply(std::string_view reply)
{
    const auto words = single_line_words(reply, "unremap");
    const std::string where = line_context("unremap", 1);
    if (words.size() != 1)
        throw ParseError(where, "expected '<block>', got " + std::to_string(words.size()) + " words");
    return parse_unsigned(words[0], where + " block");
}

std::vector<RemapReply> parse_remap_batch_reply(std::string_view reply)
{
    std::vector<RemapReply> replies;
    for (const auto& [number, line] : content_lines(reply)) {
        const std::string where = line_context("remap", number);
        const auto words = split_words(line);
        if (words.size() != 2) {
            throw ParseError(where, "expected '<block> <spare_block>', got " +
                                        std::to_string(words.size()) + " words");
        }
        replies.push_back(RemapReply{parse_unsigned(words[0], where + " block"),
                                     parse_unsigned(words[1], where + " spare_block")});
    }
    return replies;
}

std::vector<std::uint64_t> parse_unremap_batch_reply(std::string_view reply)
{
    std::vector<std::uint64_t> blocks;
    for (const auto& [number, line] : content_lines(reply)) {
        const std::string where = line_context("unremap", number);
        const auto words = split_words(line);
        if (words.size() != 1)
            throw ParseError(where, "expected '<block>', got " + std::to_string(words.size()) + " words");
        blocks.push_back(parse_unsigned(words[0], where + " block"));
    }
    return blocks;
}

std::vector<RemapEntry> parse_list_reply(std::string_view reply)
{
    std::vector<RemapEntry> entries;
    for (const auto& [number, line] : content_lines(reply)) {
        const std::string where = line_context("list", number);
        const auto words = split_words(line);
        if (words.size() != 3) {
            throw ParseError(where, "expected '<block> <spare_block> <flags>', got " +
                                        std::to_string(words.size()) + " words");
        }
        RemapEntry entry{parse_unsigned(words[0], where + " block"),
                         parse_unsigned(words[1], where + " spare_block"), std::string(words[2])};
        if (!is_valid_flags(entry.flags))
            throw ParseError(where + " flags", "expected '-' or letters, got '" + entry.flags + "'");
        if (!entries.empty() && entry.block <= entries.back().block) {
            throw ParseError(where, "block " + std::to_string(entry.block) +
                                        " does not ascend from " +
                                        std::to_string(entries.back().block));
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

KeyValues parse_stats_reply(std::string_view reply)
{
    KeyValues stats;
    for (const auto& [number, line] : content_lines(reply)) {
        const std::string where = line_context("stats", number);
        const auto words = split_words(line);
        if (words.size() != 1)
            throw ParseError(where, "expected one key=value, got " + std::to_string(words.size()) + " words");
        const auto [key, value] = split_pair(words[0], where);
        if (stats.contains(key))
            throw ParseError(where, "key '" + std::string(key) + "' given twice");
        stats.add(std::string(key), std::string(value));
    }
    return stats;
}

HealthReport parse_health_reply(std::string_view reply)
{
    HealthReport health;
    bool have_score = false, have_state = false;
    std::size_t line_number = 0;
    for (std::string_view line : split_lines(reply)) {
        ++line_number;
        for (std::string_view word : split_words(line)) {
            const std::string where = line_context("health", line_number);
            const auto [key, value] = split_pair(word, where);
            if (!have_score) {
                if (key != "score")
                    throw ParseError(where, "expected score=<0-100> first, got '" + std::string(word) + "'");
                health.score = static_cast<unsigned>(parse_unsigned(value, where + " score", 100));
                have_score = true;
            } else if (!have_state) {
                if (key != "state")
                    throw ParseError(where, "expected state=<state> after the score, got '" + std::string(word) + "'");
                const auto state = health_state_from_string(value);
                if (!state) {
                    throw ParseError(where + " state", "'" + std::string(value) +
                                                           "' is not one of ok, warning, critical, failed");
                }
                health.state = *state;
                have_state = true;
            } else {
                health.details.add(std::string(key), std::string(value));
            }
        }
    }
    if (!have_score)
        throw ParseError("health reply", "empty, expected score=<0-100> state=<state>");
    if (!have_state)
        throw ParseError("health reply", "state=<state> is missing");
    return health;
}

std::uint64_t parse_commit_reply(std::string_view reply)
{
    const auto words = single_line_words(reply, "commit");
    const std::string where = line_context("commit", 1);
    if (words.size() != 1)
        throw ParseError(where, "expected 'seq=<n>', got " + std::to_string(words.size()) + " words");
    const auto [key, value] = split_pair(words[0], where);
    if (key != "seq")
        throw ParseError(where, "expected 'seq=<n>', got '" + std::string(words[0]) + "'");
    return parse_unsigned(value, where + " seq");
}

}  // namespace dmremap
