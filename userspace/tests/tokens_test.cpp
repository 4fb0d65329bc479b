#include "tokens.hpp"

#include <gtest/gtest.h>

namespace dmremap {
namespace {

using Views = std::vector<std::string_view>;

TEST(Tokens, SplitsWordsOnAnyBlanks)
{
    EXPECT_EQ(split_words("  a b\t\tc\nd  "), (Views{"a", "b", "c", "d"}));
    EXPECT_EQ(split_words(""), Views{});
    EXPECT_EQ(split_words(" \n "), Views{});
}

TEST(Tokens, SplitsLinesWithoutAFinalEmptyOne)
{
    EXPECT_EQ(split_lines("a\nb\n"), (Views{"a", "b"}));
    EXPECT_EQ(split_lines("a\r\n\nb"), (Views{"a", "", "b"}));
    EXPECT_EQ(split_lines(""), Views{});
    EXPECT_EQ(split_lines("\n"), Views{""});
}

TEST(Tokens, RecognisesBlankText)
{
    EXPECT_TRUE(is_blank(""));
    EXPECT_TRUE(is_blank(" \t\r"));
    EXPECT_FALSE(is_blank(" x "));
}

}  // namespace
}  // namespace dmremap
