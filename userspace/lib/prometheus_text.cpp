#include "prometheus_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace dmremap {

namespace {

bool is_name_start(char c, bool colon_allowed)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_allowed && c == ':');
}

bool is_name_char(char c, bool colon_allowed)
{
    return is_name_start(c, colon_allowed) || (c >= '0' && c <= '9');
}

bool is_valid_name(std::string_view name, bool colon_allowed)
{
    if (name.empty() || !is_name_start(name.front(), colon_allowed))
        return false;
    for (char c : name) {
        if (!is_name_char(c, colon_allowed))
            return false;
    }
    return true;
}

std::string_view type_name(PrometheusText::Type type)
{
    return type == PrometheusText::Type::counter ? "counter" : "gauge";
}

}  // namespace

bool is_valid_metric_name(std::string_view name)
{
    return is_valid_name(name, true);
}

bool is_valid_label_name(std::string_view name)
{
    // Names starting with __ are reserved for Prometheus itself.
    return is_valid_name(name, false) && name.substr(0, 2) != "__";
}

std::string escape_label_value(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_help(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_sample_value(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    return std::string(buffer, result.ptr);
}

void PrometheusText::family(const std::string& name, Type type, const std::string& help)
{
    if (!is_valid_metric_name(name))
        throw std::invalid_argument("invalid metric name '" + name + "'");
    if (index_.contains(name))
        throw std::invalid_argument("metric family '" + name + "' declared twice");
    index_.emplace(name, families_.size());
    families_.push_back(Family{name, type, help, {}, {}});
}

bool PrometheusText::sample(const std::string& family, const Labels& labels, double value)
{
    return add(family, labels, format_sample_value(value));
}

bool PrometheusText::sample(const std::string& family, const Labels& labels, std::uint64_t value)
{
    return add(family, labels, std::to_string(value));
}

bool PrometheusText::add(const std::string& family, const Labels& labels, std::string value)
{
    const auto found = index_.find(family);
    if (found == index_.end())
        throw std::invalid_argument("metric family '" + family + "' was not declared");
    Family& target = families_[found->second];
    for (const auto& [name, label_value] : labels) {
        if (!is_valid_label_name(name))
            throw std::invalid_argument("invalid label name '" + name + "' in '" + family + "'");
    }
    // The same labels in another order are the same series.
    Labels key = labels;
    std::sort(key.begin(), key.end());
    for (std::size_t i = 1; i < key.size(); ++i) {
        if (key[i].first == key[i - 1].first)
            throw std::invalid_argument("label '" + key[i].first + "' given twice in '" + family + "'");
    }
    if (!target.seen.insert(std::move(key)).second)
        return false;

    std::string line = target.name;
    if (!labels.empty()) {
        line += '{';
        bool first = true;
        for (const auto& [name, label_value] : labels) {
            if (!first)
                line += ',';
            first = false;
            line += name + "=\"" + escape_label_value(label_value) + '"';
        }
        line += '}';
    }
    line += ' ' + value + '\n';
    target.lines.push_back(std::move(line));
    return true;
}

std::string PrometheusText::text() const
{
    std::string out;
    for (const Family& family : families_) {
        if (family.lines.empty())
            continue;
        out += "# HELP " + family.name + ' ' + escape_help(family.help) + '\n';
        out += "# TYPE " + family.name + ' ' + std::string(type_name(family.type)) + '\n';
        for (const std::string& line : family.lines)
            out += line;
    }
    return out;
}

}  // namespace dmremap
