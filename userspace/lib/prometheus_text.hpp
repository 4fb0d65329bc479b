#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dmremap {

// Builds a Prometheus text exposition (format 0.0.4). Families are written
// in the order they were declared, each with its HELP and TYPE lines once
// and all its samples together, whatever order the samples were added in;
// a sample whose labels repeat an earlier sample of the same family is
// dropped, so no series is ever duplicated. A family without samples is
// left out entirely.
class PrometheusText {
public:
    enum class Type { gauge, counter };
    using Labels = std::vector<std::pair<std::string, std::string>>;

    // Declares a family. Throws std::invalid_argument for a name that the
    // format does not allow or a family declared twice.
    void family(const std::string& name, Type type, const std::string& help);

    // Adds a sample to a declared family. Throws std::invalid_argument for
    // an undeclared family or an invalid label name. Returns false when an
    // equal label set was already given (the sample is dropped).
    bool sample(const std::string& family, const Labels& labels, double value);
    bool sample(const std::string& family, const Labels& labels, std::uint64_t value);

    std::string text() const;

private:
    struct Family {
        std::string name;
        Type type;
        std::string help;
        std::vector<std::string> lines;
        std::set<Labels> seen;
    };

    bool add(const std::string& family, const Labels& labels, std::string value);

    std::vector<Family> families_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

// Escapes a label value: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);
// Escapes HELP text: backslash and line feed.
std::string escape_help(std::string_view text);
// A sample value as the format writes it: integers without a fraction,
// NaN, +Inf, -Inf, otherwise the shortest text that reads back the same.
std::string format_sample_value(double value);

bool is_valid_metric_name(std::string_view name);
bool is_valid_label_name(std::string_view name);

}  // namespace dmremap
