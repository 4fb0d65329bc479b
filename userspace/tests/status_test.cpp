#include "status.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error.hpp"

namespace dmremap {
namespace {

const std::vector<std::string> good_fields = {"4096", "3",  "1000", "997", "5",       "1",
                                              "2",    "8",  "42",   "ok",  "95",      "warning"};

std::string join(const std::vector<std::string>& words)
{
    std::string text;
    for (const std::string& word : words)
        text += (text.empty() ? "" : " ") + word;
    return text;
}

std::vector<std::string> with_field(std::size_t index, std::string value)
{
    std::vector<std::string> fields = good_fields;
    fields[index] = std::move(value);
    return fields;
}

// The message of the ParseError that parsing text throws.
std::string parse_error(const std::string& text)
{
    try {
        parse_status(text);
    } catch (const ParseError& error) {
        return error.what();
    }
    ADD_FAILURE() << "no ParseError for '" << text << "'";
    return {};
}

TEST(StatusParse, ReadsEveryFieldInOrder)
{
    const TargetStatus status = parse_status(join(good_fields));
    EXPECT_EQ(status.block_size, 4096u);
    EXPECT_EQ(status.remapped, 3u);
    EXPECT_EQ(status.spare_total, 1000u);
    EXPECT_EQ(status.spare_free, 997u);
    EXPECT_EQ(status.read_errors, 5u);
    EXPECT_EQ(status.write_errors, 1u);
    EXPECT_EQ(status.auto_remaps, 2u);
    EXPECT_EQ(status.lost_sectors, 8u);
    EXPECT_EQ(status.metadata_seq, 42u);
    EXPECT_EQ(status.metadata_state, MetadataState::ok);
    EXPECT_EQ(status.health_score, 95u);
    EXPECT_EQ(status.health_state, HealthState::warning);
    EXPECT_TRUE(status.extra.empty());
}

TEST(StatusParse, ReadsTheLargestValues)
{
    auto fields = with_field(0, "4294967295");
    for (std::size_t i = 1; i <= 8; ++i)
        fields[i] = "18446744073709551615";
    fields[10] = "100";
    const TargetStatus status = parse_status(join(fields));
    EXPECT_EQ(status.block_size, 4294967295u);
    EXPECT_EQ(status.remapped, UINT64_MAX);
    EXPECT_EQ(status.metadata_seq, UINT64_MAX);
    EXPECT_EQ(status.health_score, 100u);
}

TEST(StatusParse, ReadsEveryMetadataState)
{
    EXPECT_EQ(parse_status(join(with_field(9, "ok"))).metadata_state, MetadataState::ok);
    EXPECT_EQ(parse_status(join(with_field(9, "degraded"))).metadata_state, MetadataState::degraded);
    EXPECT_EQ(parse_status(join(with_field(9, "failed"))).metadata_state, MetadataState::failed);
    const TargetStatus unloaded = parse_status(join(with_field(9, "unloaded")));
    EXPECT_EQ(unloaded.metadata_state, MetadataState::unloaded);
    EXPECT_FALSE(table_loaded(unloaded));
    EXPECT_TRUE(table_loaded(parse_status(join(with_field(9, "failed")))));
}

TEST(StatusParse, ReadsEveryHealthState)
{
    EXPECT_EQ(parse_status(join(with_field(11, "ok"))).health_state, HealthState::ok);
    EXPECT_EQ(parse_status(join(with_field(11, "warning"))).health_state, HealthState::warning);
    EXPECT_EQ(parse_status(join(with_field(11, "critical"))).health_state, HealthState::critical);
    EXPECT_EQ(parse_status(join(with_field(11, "failed"))).health_state, HealthState::failed);
}

TEST(StatusParse, KeepsFieldsAfterTheKnownOnes)
{
    std::vector<std::string> fields = good_fields;
    fields.push_back("17");
    fields.push_back("hash_buckets=1024");
    const TargetStatus status = parse_status(join(fields));
    EXPECT_EQ(status.extra, (std::vector<std::string>{"17", "hash_buckets=1024"}));
    EXPECT_EQ(status.health_state, HealthState::warning);
}

TEST(StatusParse, ToleratesSurroundingBlanks)
{
    EXPECT_EQ(parse_status(" " + join(good_fields) + "\n"), parse_status(join(good_fields)));
}

TEST(StatusParse, NamesTheFirstMissingField)
{
    for (std::size_t count = 0; count < good_fields.size(); ++count) {
        const std::vector<std::string> fields(good_fields.begin(),
                                              good_fields.begin() + static_cast<long>(count));
        const std::string message = parse_error(join(fields));
        EXPECT_NE(message.find("'" + std::string(status_field_names[count]) + "'"), std::string::npos)
            << message;
        EXPECT_NE(message.find("missing"), std::string::npos) << message;
    }
}

class StatusNumberField : public testing::TestWithParam<std::size_t> {};

TEST_P(StatusNumberField, RejectsWhatIsNotAnUnsignedNumber)
{
    const std::size_t index = GetParam();
    const std::string name(status_field_names[index]);
    for (const char* bad : {"x", "-1", "+1", "1.5", "0x10", "12abc"}) {
        const std::string message = parse_error(join(with_field(index, bad)));
        EXPECT_NE(message.find("'" + name + "'"), std::string::npos) << message;
        EXPECT_NE(message.find("expected a number"), std::string::npos) << message;
    }
}

TEST_P(StatusNumberField, RejectsOverflow)
{
    const std::size_t index = GetParam();
    const std::string message = parse_error(join(with_field(index, "18446744073709551616")));
    EXPECT_NE(message.find("'" + std::string(status_field_names[index]) + "'"), std::string::npos);
    EXPECT_NE(message.find("out of range"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(EveryNumber, StatusNumberField,
                         testing::Values(0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 10u),
                         [](const testing::TestParamInfo<std::size_t>& param) {
                             return std::string(status_field_names[param.param]);
                         });

TEST(StatusParse, RejectsABlockSizeAbove32Bits)
{
    const std::string message = parse_error(join(with_field(0, "4294967296")));
    EXPECT_NE(message.find("'block_size'"), std::string::npos) << message;
    EXPECT_NE(message.find("out of range"), std::string::npos) << message;
}

TEST(StatusParse, RejectsAHealthScoreAbove100)
{
    const std::string message = parse_error(join(with_field(10, "101")));
    EXPECT_NE(message.find("'health_score'"), std::string::npos) << message;
    EXPECT_NE(message.find("out of range"), std::string::npos) << message;
}

TEST(StatusParse, RejectsUnknownMetadataStates)
{
    for (const char* bad : {"fine", "OK", "0", "ok,"}) {
        const std::string message = parse_error(join(with_field(9, bad)));
        EXPECT_NE(message.find("'metadata_state'"), std::string::npos) << message;
        EXPECT_NE(message.find("ok, degraded, failed"), std::string::npos) << message;
    }
}

TEST(StatusParse, RejectsUnknownHealthStates)
{
    for (const char* bad : {"bad", "Warning", "1"}) {
        const std::string message = parse_error(join(with_field(11, bad)));
        EXPECT_NE(message.find("'health_state'"), std::string::npos) << message;
        EXPECT_NE(message.find("ok, warning, critical, failed"), std::string::npos) << message;
    }
}

TEST(StatusParse, ErrorsCarryTheFieldAsContext)
{
    try {
        parse_status(join(with_field(3, "many")));
        FAIL() << "no ParseError";
    } catch (const ParseError& error) {
        EXPECT_EQ(error.context(), "status field 4 'spare_free'");
        EXPECT_EQ(error.problem(), "expected a number, got 'many'");
    }
}

TEST(StatusStates, RoundTripThroughTheirWords)
{
    for (auto state : {MetadataState::ok, MetadataState::degraded, MetadataState::failed,
                       MetadataState::unloaded})
        EXPECT_EQ(metadata_state_from_string(to_string(state)), state);
    for (auto state : {HealthState::ok, HealthState::warning, HealthState::critical, HealthState::failed})
        EXPECT_EQ(health_state_from_string(to_string(state)), state);
    EXPECT_FALSE(metadata_state_from_string("").has_value());
    EXPECT_FALSE(health_state_from_string("unknown").has_value());
}

}  // namespace
}  // namespace dmremap
