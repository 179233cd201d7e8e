#include "agent/protocols/redis/parse.h"

#include <gtest/gtest.h>

#include <string>

namespace hostlens::protocols::redis {
namespace {

struct HeaderCase {
  std::string name;
  std::string input;
  ParseState state;
  char type;
  int64_t value;
  size_t consumed;
};

class HeaderTest : public testing::TestWithParam<HeaderCase> {};

TEST_P(HeaderTest, ParsesAndConsumesOnlyOnSuccess) {
  const HeaderCase& c = GetParam();
  std::string_view buf = c.input;
  char type = 0;
  int64_t value = 0;
  EXPECT_EQ(ParseHeaderLine(&buf, &type, &value), c.state);
  EXPECT_EQ(c.input.size() - buf.size(), c.consumed);
  if (c.state == ParseState::kSuccess) {
    EXPECT_EQ(type, c.type);
    EXPECT_EQ(value, c.value);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Lines, HeaderTest,
    testing::Values(HeaderCase{"bulk", "$5\r\nhello\r\n", ParseState::kSuccess, '$', 5, 4},
                    HeaderCase{"null_bulk", "$-1\r\n", ParseState::kSuccess, '$', -1, 5},
                    HeaderCase{"array", "*3\r\n", ParseState::kSuccess, '*', 3, 4},
                    HeaderCase{"map", "%2\r\n", ParseState::kSuccess, '%', 2, 4},
                    HeaderCase{"negative_map", "%-1\r\n", ParseState::kInvalid, 0, 0, 0},
                    HeaderCase{"integer", ":-42\r\n", ParseState::kSuccess, ':', -42, 6},
                    HeaderCase{"simple", "+OK\r\n", ParseState::kSuccess, '+', 0, 5},
                    HeaderCase{"null3", "_\r\n", ParseState::kSuccess, '_', 0, 3},
                    HeaderCase{"bool", "#t\r\n", ParseState::kSuccess, '#', 0, 4},
                    HeaderCase{"bad_bool", "#x\r\n", ParseState::kInvalid, 0, 0, 0},
                    HeaderCase{"partial", "$12", ParseState::kNeedsMoreData, 0, 0, 0},
                    HeaderCase{"empty", "", ParseState::kNeedsMoreData, 0, 0, 0},
                    HeaderCase{"no_cr", "$5\n", ParseState::kInvalid, 0, 0, 0},
                    HeaderCase{"letters", "$abc\r\n", ParseState::kInvalid, 0, 0, 0},
                    HeaderCase{"not_resp", "GET x\r\n", ParseState::kInvalid, 0, 0, 0},
                    HeaderCase{"too_long", "$123456789012345678901234567890123456",
                               ParseState::kInvalid, 0, 0, 0}),
    [](const testing::TestParamInfo<HeaderCase>& info) { return info.param.name; });

// Integers are signed 64-bit (INCRBY, BITFIELD i64): 19 digits and INT64_MIN are integers;
// anything past the range is not RESP.
TEST(ParseTest, DecimalTakesTheFullSigned64BitRange) {
  int64_t v = 0;
  EXPECT_TRUE(ParseDecimal("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseDecimal("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_TRUE(ParseDecimal("-1234567890123456789", &v));
  EXPECT_EQ(v, -1234567890123456789);
  EXPECT_TRUE(ParseDecimal("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(ParseDecimal("9223372036854775808", &v));
  EXPECT_FALSE(ParseDecimal("-9223372036854775809", &v));
  EXPECT_FALSE(ParseDecimal("18446744073709551616", &v));
  EXPECT_FALSE(ParseDecimal("99999999999999999999", &v));
  EXPECT_FALSE(ParseDecimal("-", &v));
  EXPECT_FALSE(ParseDecimal("", &v));
  EXPECT_FALSE(ParseDecimal("+1", &v));
  EXPECT_FALSE(ParseDecimal("1 ", &v));
}

TEST(ParseTest, ErrorTypeIsTheFirstWord) {
  EXPECT_EQ(ErrorType("WRONGTYPE Operation against a key"), "WRONGTYPE");
  EXPECT_EQ(ErrorType("ERR unknown command"), "ERR");
  EXPECT_EQ(ErrorType("NOAUTH"), "NOAUTH");
}

TEST(ParseTest, NormalizeNameUppercasesAndRejectsNonNames) {
  EXPECT_EQ(NormalizeName("get"), "GET");
  EXPECT_EQ(NormalizeName("ft.search"), "FT.SEARCH");
  EXPECT_EQ(NormalizeName("user:1000"), "_OTHER");
  EXPECT_EQ(NormalizeName(""), "_OTHER");
  EXPECT_EQ(NormalizeName(std::string(40, 'A')), "_OTHER");
}

TEST(ParseTest, LooksLikeRedisCommand) {
  EXPECT_TRUE(LooksLikeRedisCommand("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"));
  EXPECT_TRUE(LooksLikeRedisCommand("*1\r\n$4\r\nping\r\n"));
  EXPECT_TRUE(LooksLikeRedisCommand("PING\r\n"));
  EXPECT_TRUE(LooksLikeRedisCommand("get key\r\n"));
  EXPECT_FALSE(LooksLikeRedisCommand("*2\r\n:1\r\n"));
  EXPECT_FALSE(LooksLikeRedisCommand("*0\r\n"));
  EXPECT_FALSE(LooksLikeRedisCommand("hi world"));
  EXPECT_FALSE(LooksLikeRedisCommand(std::string("\0\0\0\x08\x04\xd2\x16\x2f", 8)));
  EXPECT_FALSE(LooksLikeRedisCommand(""));
}

}  // namespace
}  // namespace hostlens::protocols::redis
