#include "column_list.hpp"

#include <gtest/gtest.h>

#include <array>

#include "error.hpp"

namespace dmremap {
namespace {

constexpr std::array<std::string_view, 4> names{"NAME", "DEVICE", "REMAPPED", "HEALTH_STATE"};
constexpr std::array<std::size_t, 2> defaults{0, 3};

TEST(ColumnList, SelectsByNameInTheOrderGiven)
{
    EXPECT_EQ(select_columns("REMAPPED,NAME", names, defaults), (std::vector<std::size_t>{2, 0}));
    EXPECT_EQ(select_columns("name,Health_State,name", names, defaults),
              (std::vector<std::size_t>{0, 3, 0}));
}

TEST(ColumnList, APlusAddsToTheDefaults)
{
    EXPECT_EQ(select_columns("+remapped", names, defaults), (std::vector<std::size_t>{0, 3, 2}));
}

TEST(ColumnList, RefusesUnknownAndEmptyNames)
{
    EXPECT_THROW(select_columns("", names, defaults), ParseError);
    EXPECT_THROW(select_columns("+", names, defaults), ParseError);
    EXPECT_THROW(select_columns("NAME,", names, defaults), ParseError);
    EXPECT_THROW(select_columns("NAME,,DEVICE", names, defaults), ParseError);
    try {
        select_columns("NAME,SIZE", names, defaults);
        FAIL() << "no error";
    } catch (const ParseError& error) {
        EXPECT_EQ(error.problem(), "unknown column 'SIZE' (known: NAME, DEVICE, REMAPPED, HEALTH_STATE)");
    }
}

}  // namespace
}  // namespace dmremap
