// Conformance cases (tests/fixtures/conformance/postgres): conversations written from the
// protocol documents, each fed whole, with every record split in two at every offset, and with
// neighbouring same-direction writes merged (whole and split). Each must give exactly the
// expected queries, with nothing lost, unmatched or pending once the connection closes.

#include "tests/unit/protocols/conformance.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/protocols/postgres/stream.h"
#include "tests/unit/protocols/sweep.h"

namespace hostlens::protocols::postgres {
namespace {

using test_util::ConformanceCase;
using test_util::FeedPrefix;
using test_util::FeedSplit;

constexpr std::string_view kProtocol = "postgres";

// The queries and losses of one feed, the connection closed after the last record.
void ExpectConformant(const ConformanceCase& conformance, Stream& stream) {
  stream.OnClose();
  std::vector<Query> got = stream.TakeQueries();
  ASSERT_EQ(got.size(), conformance.expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& want = conformance.expected[i];
    SCOPED_TRACE("query " + std::to_string(i) + ": " + want.what);
    EXPECT_EQ(got[i].sql, want.what);
    EXPECT_FALSE(got[i].sql_truncated);
    EXPECT_EQ(got[i].error_code.empty() ? "ok" : got[i].error_code, want.result);
    EXPECT_LE(got[i].start_ns, got[i].end_ns);
    EXPECT_FALSE(got[i].inferred_end);
  }
  StreamStats stats = stream.stats();
  EXPECT_EQ(stats.resyncs, 0u);
  EXPECT_EQ(stats.tail_recoveries, 0u);
  EXPECT_EQ(stats.unmatched_responses, 0u);
  EXPECT_EQ(stats.lost_responses, 0u);
  EXPECT_EQ(stats.unknown_statements, 0u);
  EXPECT_EQ(stats.evicted_requests, 0u);
  EXPECT_EQ(stats.evicted_statements, 0u);
  EXPECT_EQ(stream.pending(), 0u);
}

class ConformanceTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    case_ = test_util::LoadConformanceCase(kProtocol, GetParam());
    ASSERT_FALSE(case_.expected.empty());
    merged_ = test_util::MergeNeighbours(case_);
  }
  ConformanceCase case_;
  ConformanceCase merged_;
};

TEST_P(ConformanceTest, WholeRecords) {
  Stream stream;
  FeedPrefix(stream, case_);
  ExpectConformant(case_, stream);
}

TEST_P(ConformanceTest, EveryRecordSplitAtEveryOffset) {
  for (size_t split = 1; split < case_.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    Stream stream;
    FeedSplit(stream, case_, split);
    ExpectConformant(case_, stream);
    if (HasFailure()) return;
  }
}

TEST_P(ConformanceTest, NeighbouringWritesMerged) {
  Stream stream;
  FeedPrefix(stream, merged_);
  ExpectConformant(merged_, stream);
  for (size_t split = 1; split < merged_.size(); ++split) {
    SCOPED_TRACE("merged, split at " + std::to_string(split));
    Stream split_stream;
    FeedSplit(split_stream, merged_, split);
    ExpectConformant(merged_, split_stream);
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ConformanceTest,
                         testing::ValuesIn(test_util::ConformanceNames(kProtocol)),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return test_util::ConformanceTestName(info.param);
                         });

}  // namespace
}  // namespace hostlens::protocols::postgres
