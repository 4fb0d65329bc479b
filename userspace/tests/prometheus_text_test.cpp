#include "prometheus_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace dmremap {
namespace {

using Type = PrometheusText::Type;

TEST(PrometheusText, GroupsSamplesByFamilyWithHelpAndTypeOnce)
{
    PrometheusText text;
    text.family("a_total", Type::counter, "A counter.");
    text.family("b", Type::gauge, "A gauge.");
    text.sample("b", {{"device", "dm-0"}}, std::uint64_t{1});
    text.sample("a_total", {{"device", "dm-0"}}, std::uint64_t{2});
    text.sample("b", {{"device", "dm-1"}}, std::uint64_t{3});
    text.sample("a_total", {{"device", "dm-1"}}, std::uint64_t{4});
    EXPECT_EQ(text.text(),
              "# HELP a_total A counter.\n"
              "# TYPE a_total counter\n"
              "a_total{device=\"dm-0\"} 2\n"
              "a_total{device=\"dm-1\"} 4\n"
              "# HELP b A gauge.\n"
              "# TYPE b gauge\n"
              "b{device=\"dm-0\"} 1\n"
              "b{device=\"dm-1\"} 3\n");
}

TEST(PrometheusText, FamilyWithoutSamplesIsLeftOut)
{
    PrometheusText text;
    text.family("empty", Type::gauge, "Nothing.");
    text.family("one", Type::gauge, "One.");
    text.sample("one", {}, 1.5);
    EXPECT_EQ(text.text(), "# HELP one One.\n# TYPE one gauge\none 1.5\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp)
{
    PrometheusText text;
    text.family("m", Type::gauge, "Back\\slash and\nnewline \"quoted\".");
    text.sample("m", {{"name", "a\"b\\c\nd"}}, std::uint64_t{1});
    EXPECT_EQ(text.text(),
              "# HELP m Back\\\\slash and\\nnewline \"quoted\".\n"
              "# TYPE m gauge\n"
              "m{name=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(PrometheusText, DropsDuplicateSeriesWhateverTheLabelOrder)
{
    PrometheusText text;
    text.family("m", Type::gauge, "M.");
    EXPECT_TRUE(text.sample("m", {{"device", "dm-0"}, {"name", "x"}}, std::uint64_t{1}));
    EXPECT_FALSE(text.sample("m", {{"device", "dm-0"}, {"name", "x"}}, std::uint64_t{2}));
    EXPECT_FALSE(text.sample("m", {{"name", "x"}, {"device", "dm-0"}}, std::uint64_t{3}));
    EXPECT_TRUE(text.sample("m", {{"device", "dm-0"}, {"name", "y"}}, std::uint64_t{4}));
    EXPECT_EQ(text.text(), "# HELP m M.\n# TYPE m gauge\nm{device=\"dm-0\",name=\"x\"} 1\nm{device=\"dm-0\",name=\"y\"} 4\n");
}

TEST(PrometheusText, RefusesBadNamesAndMisuse)
{
    PrometheusText text;
    EXPECT_THROW(text.family("1abc", Type::gauge, ""), std::invalid_argument);
    EXPECT_THROW(text.family("a-b", Type::gauge, ""), std::invalid_argument);
    text.family("ok:name_1", Type::gauge, "");
    EXPECT_THROW(text.family("ok:name_1", Type::gauge, ""), std::invalid_argument);
    EXPECT_THROW(text.sample("undeclared", {}, 1.0), std::invalid_argument);
    EXPECT_THROW(text.sample("ok:name_1", {{"a:b", "x"}}, 1.0), std::invalid_argument);
    EXPECT_THROW(text.sample("ok:name_1", {{"__reserved", "x"}}, 1.0), std::invalid_argument);
    EXPECT_THROW(text.sample("ok:name_1", {{"a", "x"}, {"a", "y"}}, 1.0), std::invalid_argument);
}

TEST(PrometheusText, FormatsValues)
{
    EXPECT_EQ(format_sample_value(0.0), "0");
    EXPECT_EQ(format_sample_value(0.25), "0.25");
    EXPECT_EQ(format_sample_value(1e21), "1e+21");
    EXPECT_EQ(format_sample_value(std::nan("")), "NaN");
    EXPECT_EQ(format_sample_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_sample_value(-std::numeric_limits<double>::infinity()), "-Inf");
    PrometheusText text;
    text.family("big", Type::counter, "B.");
    // Integers stay exact beyond a double's 53 bits.
    text.sample("big", {}, std::uint64_t{18446744073709551615u});
    EXPECT_EQ(text.text(), "# HELP big B.\n# TYPE big counter\nbig 18446744073709551615\n");
}

TEST(PrometheusText, NameRules)
{
    EXPECT_TRUE(is_valid_metric_name("dmremap_up"));
    EXPECT_TRUE(is_valid_metric_name("a:b"));
    EXPECT_FALSE(is_valid_metric_name(""));
    EXPECT_FALSE(is_valid_metric_name("9a"));
    EXPECT_TRUE(is_valid_label_name("device"));
    EXPECT_FALSE(is_valid_label_name("a:b"));
    EXPECT_FALSE(is_valid_label_name("__name__"));
}

}  // namespace
}  // namespace dmremap
