#include "agent/host/meminfo_parser.h"

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>

#include "tests/unit/host/fixture.h"
#include "tests/unit/host/prefix_sweep.h"

namespace hostlens::host {
namespace {

using test_util::ForEachPrefix;
using test_util::ReadFixture;

struct FieldCase {
  std::string field;
  uint64_t expected;
  friend void PrintTo(const FieldCase& c, std::ostream* os) { *os << c.field; }
};

class ParseMeminfoFixtureTest : public ::testing::TestWithParam<FieldCase> {};

TEST_P(ParseMeminfoFixtureTest, ConvertsKbToBytesAndKeepsCounts) {
  std::optional<Meminfo> meminfo = ParseMeminfo(ReadFixture("meminfo"));
  ASSERT_TRUE(meminfo.has_value());
  auto it = meminfo->find(GetParam().field);
  ASSERT_NE(it, meminfo->end());
  EXPECT_EQ(it->second, GetParam().expected);
}

// Values are the fixture's lines, e.g. "MemTotal:       24684096 kB".
INSTANTIATE_TEST_SUITE_P(Fields, ParseMeminfoFixtureTest,
                         ::testing::Values(FieldCase{"MemTotal", 24684096ull * 1024},
                                           FieldCase{"MemFree", 23981440ull * 1024},
                                           FieldCase{"MemAvailable", 24294952ull * 1024},
                                           FieldCase{"Buffers", 206012ull * 1024},
                                           FieldCase{"Cached", 261724ull * 1024},
                                           FieldCase{"SwapTotal", 0}, FieldCase{"SwapFree", 0},
                                           FieldCase{"Active(anon)", 1528ull * 1024},
                                           FieldCase{"VmallocTotal", 34359738367ull * 1024},
                                           FieldCase{"HugePages_Total", 0},
                                           FieldCase{"Hugepagesize", 2048ull * 1024}),
                         [](const ::testing::TestParamInfo<FieldCase>& info) {
                           std::string name;
                           for (char c : info.param.field) {
                             if (std::isalnum(static_cast<unsigned char>(c))) name += c;
                           }
                           return name;
                         });

TEST(ParseMeminfoTest, ReadsEveryFixtureLine) {
  std::optional<Meminfo> meminfo = ParseMeminfo(ReadFixture("meminfo"));
  ASSERT_TRUE(meminfo.has_value());
  EXPECT_EQ(meminfo->size(), 54u);
}

TEST(ParseMeminfoTest, KeepsUnitlessValuesAsCounts) {
  std::optional<Meminfo> meminfo = ParseMeminfo("HugePages_Total:      12\nHugepagesize: 2 kB\n");
  ASSERT_TRUE(meminfo.has_value());
  EXPECT_EQ(meminfo->at("HugePages_Total"), 12u);
  EXPECT_EQ(meminfo->at("Hugepagesize"), 2048u);
}

struct MalformedCase {
  std::string name;
  std::string text;
  friend void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.name; }
};

class ParseMeminfoMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(ParseMeminfoMalformedTest, ReturnsNullopt) {
  EXPECT_EQ(ParseMeminfo(GetParam().text), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseMeminfoMalformedTest,
    ::testing::Values(MalformedCase{"Empty", ""}, MalformedCase{"OnlyBlankLines", "\n \n"},
                      MalformedCase{"NoColon", "MemTotal 5 kB\n"},
                      MalformedCase{"EmptyName", ": 5 kB\n"},
                      MalformedCase{"MissingValue", "MemTotal:\n"},
                      MalformedCase{"NonNumericValue", "MemTotal: five kB\n"},
                      MalformedCase{"NegativeValue", "MemTotal: -5 kB\n"},
                      MalformedCase{"UnknownUnit", "MemTotal: 5 MB\n"},
                      MalformedCase{"ExtraField", "MemTotal: 5 kB x\n"},
                      MalformedCase{"BytesOverflow", "MemTotal: 18014398509481984 kB\n"},
                      MalformedCase{"OneBadLineAmongGood", "MemTotal: 5 kB\nMemFree: x kB\n"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST(ParseMeminfoTest, EveryPrefixOfFixtureIsSafe) {
  std::string text = ReadFixture("meminfo");
  ForEachPrefix(text, [](size_t length, std::string_view prefix) {
    std::optional<Meminfo> meminfo = ParseMeminfo(prefix);
    if (length == 0) {
      EXPECT_EQ(meminfo, std::nullopt);
    }
    if (meminfo) {
      EXPECT_LE(meminfo->size(), 54u);
    }
  });
}

}  // namespace
}  // namespace hostlens::host
