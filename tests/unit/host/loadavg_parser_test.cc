#include "agent/host/loadavg_parser.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "tests/unit/host/fixture.h"
#include "tests/unit/host/prefix_sweep.h"

namespace hostlens::host {
namespace {

using test_util::ForEachPrefix;
using test_util::ReadFixture;

TEST(ParseLoadavgTest, ReadsFixture) {
  // fixture: "0.05 0.07 0.03 1/91 4175"
  std::optional<LoadAverage> load = ParseLoadavg(ReadFixture("loadavg"));
  ASSERT_TRUE(load.has_value());
  EXPECT_EQ(load->load1, 0.05);
  EXPECT_EQ(load->load5, 0.07);
  EXPECT_EQ(load->load15, 0.03);
}

TEST(ParseLoadavgTest, NeedsOnlyTheFirstThreeFieldsLikeNodeExporter) {
  std::optional<LoadAverage> load = ParseLoadavg("12.50 3.00 0.00");
  ASSERT_TRUE(load.has_value());
  EXPECT_EQ(load->load1, 12.5);
  EXPECT_EQ(load->load5, 3.0);
  EXPECT_EQ(load->load15, 0.0);
}

struct MalformedCase {
  std::string name;
  std::string text;
  friend void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.name; }
};

class ParseLoadavgMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(ParseLoadavgMalformedTest, ReturnsNullopt) {
  EXPECT_EQ(ParseLoadavg(GetParam().text), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseLoadavgMalformedTest,
    ::testing::Values(MalformedCase{"Empty", ""}, MalformedCase{"TwoFields", "0.05 0.07\n"},
                      MalformedCase{"NonNumeric", "0.05 x 0.03 1/91 4175\n"},
                      MalformedCase{"TrailingGarbage", "0.05 0.07 0.03x 1/91 4175\n"},
                      MalformedCase{"Negative", "-0.05 0.07 0.03 1/91 4175\n"},
                      MalformedCase{"NotANumber", "nan 0.07 0.03 1/91 4175\n"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST(ParseLoadavgTest, EveryPrefixOfFixtureIsSafeAndNoneWithoutThreeFieldsParses) {
  std::string text = ReadFixture("loadavg");
  size_t third_field = text.find("0.03");
  ASSERT_NE(third_field, std::string::npos);
  ForEachPrefix(text, [&](size_t length, std::string_view prefix) {
    std::optional<LoadAverage> load = ParseLoadavg(prefix);
    if (length <= third_field) {
      EXPECT_EQ(load, std::nullopt) << "prefix length " << length;
    }
  });
}

}  // namespace
}  // namespace hostlens::host
