#include "scrub_status.hpp"

#include <string>
#include <utility>

#include "error.hpp"
#include "number_parse.hpp"
#include "tokens.hpp"

namespace dmremap {

ScrubStatus parse_scrub_status_reply(std::string_view reply)
{
    ScrubStatus scrub;
    bool have_state = false;
    unsigned seen = 0;  // a bit per number field
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
        const std::pair<std::string_view, std::uint64_t*> fields[] = {
            {"position", &scrub.position}, {"found", &scrub.found},
            {"passes", &scrub.passes},     {"rate", &scrub.rate}};
        for (unsigned i = 0; i < 4; ++i) {
            if (key == fields[i].first) {
                *fields[i].second = parse_unsigned(value, context);
                seen |= 1u << i;
            }
        }
    }
    if (!have_state)
        throw ParseError("scrub status reply", "state=<idle|running> is missing");
    if (seen != 0xf)
        throw ParseError("scrub status reply", "expected position, found, passes and rate");
    return scrub;
}

}  // namespace dmremap
