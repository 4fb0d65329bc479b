#include "number_parse.hpp"

#include <gtest/gtest.h>

#include "error.hpp"

namespace dmremap {
namespace {

TEST(NumberParse, ReadsDecimalDigits)
{
    EXPECT_EQ(parse_unsigned("0", "n"), 0u);
    EXPECT_EQ(parse_unsigned("007", "n"), 7u);
    EXPECT_EQ(parse_unsigned("18446744073709551615", "n"), UINT64_MAX);
}

TEST(NumberParse, RespectsTheMaximum)
{
    EXPECT_EQ(parse_unsigned("100", "n", 100), 100u);
    EXPECT_THROW(parse_unsigned("101", "n", 100), ParseError);
}

TEST(NumberParse, RejectsAnythingElse)
{
    for (const char* bad : {"", " 1", "1 ", "-1", "+1", "1e3", "0x1", "1_000", "one"})
        EXPECT_THROW(parse_unsigned(bad, "n"), ParseError) << "'" << bad << "'";
}

TEST(NumberParse, SaysWhatWentWrong)
{
    try {
        parse_unsigned("18446744073709551616", "status field 2 'remapped'");
        FAIL() << "no ParseError";
    } catch (const ParseError& error) {
        EXPECT_EQ(error.context(), "status field 2 'remapped'");
        EXPECT_NE(error.problem().find("out of range"), std::string::npos);
    }
    try {
        parse_unsigned("", "key 'reads'");
        FAIL() << "no ParseError";
    } catch (const ParseError& error) {
        EXPECT_EQ(std::string(error.what()), "key 'reads': expected a number, got nothing");
    }
}

}  // namespace
}  // namespace dmremap
