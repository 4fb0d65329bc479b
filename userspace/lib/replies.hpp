#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "status.hpp"

namespace dmremap {

// The reply to `remap <block>`.
struct RemapReply {
    std::uint64_t block = 0;
    std::uint64_t spare_block = 0;

    bool operator==(const RemapReply&) const = default;
};

// One line of the reply to `list`.
struct RemapEntry {
    std::uint64_t block = 0;
    std::uint64_t spare_block = 0;
    std::string flags;  // "-" or letters

    bool operator==(const RemapEntry&) const = default;
};

// key=value pairs in the order the kernel printed them.
class KeyValues {
public:
    using Item = std::pair<std::string, std::string>;

    void add(std::string key, std::string value);
    // The first value given for key, or nullptr.
    const std::string* find(std::string_view key) const;
    bool contains(std::string_view key) const { return find(key) != nullptr; }
    // The value of key as a number; throws ParseError when absent or not a number.
    std::uint64_t number(std::string_view key) const;

    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }

    bool operator==(const KeyValues&) const = default;

private:
    std::vector<Item> items_;
};

// The reply to `health`.
struct HealthReport {
    unsigned score = 0;  // 0 to 100
    HealthState state = HealthState::ok;
    KeyValues details;   // the key=value pairs after score and state

    bool operator==(const HealthReport&) const = default;
};

// Each parser throws ParseError naming the reply and the line (and word) that
// is malformed. A final newline is allowed everywhere.

// `<block> <spare_block>`
RemapReply parse_remap_reply(std::string_view reply);
// `<block>`
std::uint64_t parse_unremap_reply(std::string_view reply);
// The kernel also takes several blocks in one message (`remap <b1> <b2>...`)
// and then replies one line per block, in the order given.
std::vector<RemapReply> parse_remap_batch_reply(std::string_view reply);
std::vector<std::uint64_t> parse_unremap_batch_reply(std::string_view reply);
// Zero or more `<block> <spare_block> <flags>` lines, ascending by block.
std::vector<RemapEntry> parse_list_reply(std::string_view reply);
// `key=value` lines; a key may appear once.
KeyValues parse_stats_reply(std::string_view reply);
// `score=<n> state=<s>` then `key=value` pairs, separated by blanks or newlines.
HealthReport parse_health_reply(std::string_view reply);
// `seq=<n>`
std::uint64_t parse_commit_reply(std::string_view reply);

}  // namespace dmremap
