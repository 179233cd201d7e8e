#include "agent/host/process_stat_parser.h"

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

// From this machine's /proc/2/stat: a kernel thread, with rss 0.
constexpr std::string_view kKthreaddStat =
    "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0 18446744073709551615 0 0 "
    "0 0 0 0 0 2147483647 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

// The fixture's stat with its comm "(python3.11)" replaced by "(" + comm + ")".
std::string PythonStatWithComm(std::string_view comm) {
  std::string text = ReadFixture("4000002/stat");
  std::string_view original = "(python3.11)";
  text.replace(text.find(original), original.size(), "(" + std::string(comm) + ")");
  return text;
}

TEST(ParseProcessStatTest, ReadsMultiThreadedFixtureProcess) {
  // "4000001 (prometheus) S 1 4000001 4000001 0 -1 4194304 6066 0 7 0 6 2 0 0 20 0 7 0 36405
  // 1235644416 11897 ..."
  std::optional<ProcessStat> stat = ParseProcessStat(ReadFixture("4000001/stat"));
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->pid, 4000001);
  EXPECT_EQ(stat->comm, "prometheus");
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 1);
  EXPECT_EQ(stat->utime_ticks, 6u);
  EXPECT_EQ(stat->stime_ticks, 2u);
  EXPECT_EQ(stat->num_threads, 7u);
  EXPECT_EQ(stat->start_ticks, 36405u);
  EXPECT_EQ(stat->rss_pages, 11897u);
}

TEST(ParseProcessStatTest, ReadsSingleThreadedFixtureProcess) {
  // "4000002 (python3.11) S 1 4000002 4000002 0 -1 4194304 2704 0 11 0 3 2 0 0 20 0 1 0 36405
  // 26292224 4619 ..."
  std::optional<ProcessStat> stat = ParseProcessStat(ReadFixture("4000002/stat"));
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->pid, 4000002);
  EXPECT_EQ(stat->comm, "python3.11");
  EXPECT_EQ(stat->utime_ticks, 3u);
  EXPECT_EQ(stat->stime_ticks, 2u);
  EXPECT_EQ(stat->num_threads, 1u);
  EXPECT_EQ(stat->start_ticks, 36405u);
  EXPECT_EQ(stat->rss_pages, 4619u);
}

TEST(ParseProcessStatTest, ReadsKernelThreadWithoutMemory) {
  std::optional<ProcessStat> stat = ParseProcessStat(kKthreaddStat);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->pid, 2);
  EXPECT_EQ(stat->comm, "kthreadd");
  EXPECT_EQ(stat->ppid, 0);
  EXPECT_EQ(stat->start_ticks, 24u);
  EXPECT_EQ(stat->rss_pages, 0u);
}

struct CommCase {
  std::string name;
  std::string comm;
  friend void PrintTo(const CommCase& c, std::ostream* os) { *os << c.name; }
};

class ParseProcessStatCommTest : public ::testing::TestWithParam<CommCase> {};

TEST_P(ParseProcessStatCommTest, TakesCommUpToLastParenAndFieldsAfterIt) {
  std::optional<ProcessStat> stat = ParseProcessStat(PythonStatWithComm(GetParam().comm));
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->comm, GetParam().comm);
  EXPECT_EQ(stat->pid, 4000002);
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 1);
  EXPECT_EQ(stat->utime_ticks, 3u);
  EXPECT_EQ(stat->start_ticks, 36405u);
  EXPECT_EQ(stat->rss_pages, 4619u);
}

INSTANTIATE_TEST_SUITE_P(
    Comms, ParseProcessStatCommTest,
    ::testing::Values(CommCase{"Plain", "nginx"}, CommCase{"Empty", ""},
                      CommCase{"Spaces", "Web Content"}, CommCase{"OpenParen", "a (b"},
                      CommCase{"CloseParen", "a) b"}, CommCase{"OnlyCloseParen", ")"},
                      CommCase{"NestedParens", "((sd-pam))"},
                      CommCase{"LooksLikeFields", ") S 1 2 3 (x"}, CommCase{"Newline", "a\nb"},
                      CommCase{"Tab", "kworker/0:1\tx"}),
    [](const ::testing::TestParamInfo<CommCase>& info) { return info.param.name; });

struct MalformedCase {
  std::string name;
  std::string text;
  friend void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.name; }
};

class ParseProcessStatMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(ParseProcessStatMalformedTest, ReturnsNullopt) {
  EXPECT_EQ(ParseProcessStat(GetParam().text), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseProcessStatMalformedTest,
    ::testing::Values(
        MalformedCase{"Empty", ""},
        MalformedCase{"NoComm", "2 S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0"},
        MalformedCase{"UnclosedComm", "2 (kthreadd S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1"},
        MalformedCase{"CloseParenBeforeOpen",
                      "2 )x( S 0 0 0 0 -1 2 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0"},
        MalformedCase{"NonNumericPid",
                      "x (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0"},
        MalformedCase{"ZeroPid",
                      "0 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0"},
        MalformedCase{"EndsBeforeRss",
                      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0"},
        MalformedCase{"StateTwoChars",
                      "2 (kthreadd) SS 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0"},
        MalformedCase{"NegativePpid",
                      "2 (kthreadd) S -4 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0"},
        MalformedCase{"NonNumericUtime",
                      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 x 0 0 0 20 0 1 0 24 0 0"},
        MalformedCase{"NegativeStime",
                      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 -1 0 0 20 0 1 0 24 0 0"},
        MalformedCase{"NonNumericRss",
                      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 z"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST(ParseProcessStatTest, EveryPrefixOfFixtureIsSafeAndNoneBeforeRssParses) {
  std::string text = ReadFixture("4000001/stat");
  std::string_view through_vsize = " 36405 1235644416 ";
  size_t rss_start = text.find(through_vsize) + through_vsize.size();
  ASSERT_EQ(text.substr(rss_start, 5), "11897");
  ForEachPrefix(text, [&](size_t length, std::string_view prefix) {
    std::optional<ProcessStat> stat = ParseProcessStat(prefix);
    if (length <= rss_start) {
      EXPECT_EQ(stat, std::nullopt) << "prefix length " << length;
    }
  });
}

TEST(ParseProcessStatTest, EveryPrefixOfTrickyCommIsSafe) {
  ForEachPrefix(PythonStatWithComm(") S 1 2 3 (x"),
                [](size_t, std::string_view prefix) { (void)ParseProcessStat(prefix); });
}

}  // namespace
}  // namespace hostlens::host
