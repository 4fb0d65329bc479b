#include "scrub_status.hpp"

#include <string>

#include "error.hpp"
#include "number_parse.hpp"
#include "tokens.hpp"

namespace dmremap {

ScrubStatus parse_scrub_status_reply(std::string_view reply)
{
    ScrubStatus scrub;
    bool have_state = false;
    unsigned numbers = 0;
    for (std::string_view word : split_words(reply)) {
        const std::size_t equals = word.find('=');
        if (equals == std::string_view::npos)
            throw ParseError("scrub status reply", "expected key=value, got '" + std::string(word) + "'");
        const std::string_view key = word.substr(0, equals);
        const std::string_view value = word.substr(equals + 1);
        const std::string context = "scrub status reply '" + std::string(key) + "'";
        if (key == "state") {
            if (value != "running" && value != "idle")
                throw ParseError(context, "'" + std::string(value) + "' is neither running nor idle");
            scrub.running = value == "running";
            have_state = true;
            continue;
        }
        std::uint64_t* field = key == "position" ? &scrub.position
                               : key == "found"  ? &scrub.found
                               : key == "passes" ? &scrub.passes
                               : key == "rate"   ? &scrub.rate
                                                 : nullptr;
        if (field == nullptr)
            continue;
        *field = parse_unsigned(value, context);
        ++numbers;
    }
    if (!have_state)
        throw ParseError("scrub status reply", "state=<idle|running> is missing");
    if (numbers < 4)
        throw ParseError("scrub status reply", "expected position, found, passes and rate");
    return scrub;
}

}  // namespace dmremap
