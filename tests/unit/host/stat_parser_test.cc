#include "agent/host/stat_parser.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "tests/unit/host/fixture.h"
#include "tests/unit/host/prefix_sweep.h"

namespace hostlens::host {
namespace {

using test_util::ForEachPrefix;
using test_util::ReadFixture;

void ExpectCpuTimes(const CpuTimes& actual, const CpuTimes& expected) {
  EXPECT_EQ(actual.cpu, expected.cpu);
  EXPECT_EQ(actual.user, expected.user);
  EXPECT_EQ(actual.nice, expected.nice);
  EXPECT_EQ(actual.system, expected.system);
  EXPECT_EQ(actual.idle, expected.idle);
  EXPECT_EQ(actual.iowait, expected.iowait);
  EXPECT_EQ(actual.irq, expected.irq);
  EXPECT_EQ(actual.softirq, expected.softirq);
  EXPECT_EQ(actual.steal, expected.steal);
}

TEST(ParseProcStatTest, ReadsPerCpuLinesAndBootTimeOfFixture) {
  // fixture: "cpu0 700 0 614 37204 12 0 7 3 0 0", "cpu1 1440 0 1257 35155 607 0 21 7 0 0",
  // "btime 1795611320"; the aggregate "cpu" line must not appear.
  std::optional<ProcStat> stat = ParseProcStat(ReadFixture("stat"));
  ASSERT_TRUE(stat.has_value());
  ASSERT_EQ(stat->cpus.size(), 2u);
  ExpectCpuTimes(stat->cpus[0], {0, 700, 0, 614, 37204, 12, 0, 7, 3});
  ExpectCpuTimes(stat->cpus[1], {1, 1440, 0, 1257, 35155, 607, 0, 21, 7});
  EXPECT_EQ(stat->boot_time_seconds, 1795611320u);
}

TEST(ParseProcStatTest, IgnoresGuestColumns) {
  std::optional<ProcStat> stat =
      ParseProcStat("cpu0 1 2 3 4 5 6 7 8 900 1000\ncpu1 1 2 3 4 5 6 7 8\nbtime 5\n");
  ASSERT_TRUE(stat.has_value());
  ASSERT_EQ(stat->cpus.size(), 2u);
  ExpectCpuTimes(stat->cpus[0], {0, 1, 2, 3, 4, 5, 6, 7, 8});
  ExpectCpuTimes(stat->cpus[1], {1, 1, 2, 3, 4, 5, 6, 7, 8});
}

TEST(ParseProcStatTest, KeepsCpuNumbersOfOfflineGaps) {
  std::optional<ProcStat> stat =
      ParseProcStat("cpu  2 0 0 0 0 0 0 0\ncpu0 1 0 0 0 0 0 0 0\ncpu3 1 0 0 0 0 0 0 0\nbtime 1");
  ASSERT_TRUE(stat.has_value());
  ASSERT_EQ(stat->cpus.size(), 2u);
  EXPECT_EQ(stat->cpus[0].cpu, 0);
  EXPECT_EQ(stat->cpus[1].cpu, 3);
}

struct MalformedCase {
  std::string name;
  std::string text;
  friend void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.name; }
};

class ParseProcStatMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(ParseProcStatMalformedTest, ReturnsNullopt) {
  EXPECT_EQ(ParseProcStat(GetParam().text), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseProcStatMalformedTest,
    ::testing::Values(MalformedCase{"Empty", ""},
                      MalformedCase{"OnlyAggregateCpuLine", "cpu  1 2 3 4 5 6 7 8\nbtime 1\n"},
                      MalformedCase{"NoBtime", "cpu0 1 2 3 4 5 6 7 8\n"},
                      MalformedCase{"CpuLineWithoutSteal", "cpu0 1 2 3 4 5 6 7\nbtime 1\n"},
                      MalformedCase{"NonNumericTicks", "cpu0 1 2 x 4 5 6 7 8\nbtime 1\n"},
                      MalformedCase{"NegativeTicks", "cpu0 1 2 -3 4 5 6 7 8\nbtime 1\n"},
                      MalformedCase{"NonNumericCpuNumber", "cpux 1 2 3 4 5 6 7 8\nbtime 1\n"},
                      MalformedCase{"NegativeCpuNumber", "cpu-1 1 2 3 4 5 6 7 8\nbtime 1\n"},
                      MalformedCase{"BtimeWithoutValue", "cpu0 1 2 3 4 5 6 7 8\nbtime\n"},
                      MalformedCase{"BtimeNonNumeric", "cpu0 1 2 3 4 5 6 7 8\nbtime 12ab\n"},
                      MalformedCase{"BtimeExtraField", "cpu0 1 2 3 4 5 6 7 8\nbtime 1 2\n"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST(ParseProcStatTest, EveryPrefixOfFixtureIsSafeAndNoneBeforeBtimeParses) {
  std::string text = ReadFixture("stat");
  size_t first_btime_digit = text.find("btime ") + std::string_view("btime ").size();
  ASSERT_LT(first_btime_digit, text.size());
  ForEachPrefix(text, [&](size_t length, std::string_view prefix) {
    std::optional<ProcStat> stat = ParseProcStat(prefix);
    if (length <= first_btime_digit) {
      EXPECT_EQ(stat, std::nullopt) << "prefix length " << length;
    }
  });
}

}  // namespace
}  // namespace hostlens::host
