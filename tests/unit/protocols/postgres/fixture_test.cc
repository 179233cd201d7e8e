// Sweeps over real captures (tests/fixtures/postgres): whole records, every prefix, every split
// point, and every capture size 0..4096 with the kernel's head/gap/tail rule.

#include "tests/unit/protocols/fixture.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/protocols/postgres/stream.h"
#include "tests/unit/protocols/segments.h"
#include "tests/unit/protocols/sweep.h"

namespace hostlens::protocols::postgres {
namespace {

using test_util::FeedCaptured;
using test_util::FeedPrefix;
using test_util::FeedSplit;
using test_util::TsAt;

using PgCapture = test_util::SqlCapture;

std::vector<std::string> CaptureNames() { return test_util::CaptureNames("postgres"); }
PgCapture LoadCapture(const std::string& name) {
  return test_util::LoadSqlCapture("postgres", name);
}

void ExpectSame(const PgCapture& capture, const std::vector<Query>& got, size_t count,
                bool check_ts) {
  ASSERT_EQ(got.size(), count);
  for (size_t i = 0; i < count; ++i) {
    const auto& want = capture.expected[i];
    SCOPED_TRACE("query " + std::to_string(i) + ": " + want.sql);
    EXPECT_EQ(got[i].sql, want.sql);
    EXPECT_FALSE(got[i].sql_truncated);
    EXPECT_EQ(got[i].error_code, want.error_code);
    EXPECT_EQ(got[i].prepared, want.prepared);
    EXPECT_LE(got[i].start_ns, got[i].end_ns);
    if (check_ts) {
      EXPECT_EQ(got[i].end_ns, TsAt(capture, want.end - 1));
    }
  }
}

class FixtureTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { capture_ = LoadCapture(GetParam()); }
  bool Small() const { return capture_.size() <= 8192; }
  PgCapture capture_;
};

TEST_P(FixtureTest, WholeRecordsYieldTheRecordedQueries) {
  ASSERT_FALSE(capture_.expected.empty());
  Stream stream;
  FeedPrefix(stream, capture_);
  ExpectSame(capture_, stream.TakeQueries(), capture_.expected.size(), true);
  StreamStats stats = stream.stats();
  EXPECT_EQ(stats.resyncs, 0u);
  EXPECT_EQ(stats.unmatched_responses, 0u);
  EXPECT_EQ(stats.unknown_statements, 0u);
  EXPECT_EQ(stream.pending(), 0u);
}

// Feeding the recording up to every byte offset reports exactly the queries complete by then.
TEST_P(FixtureTest, EveryPrefixYieldsExactlyTheCompleteQueries) {
  size_t total = capture_.size();
  size_t step = Small() ? 1 : 997;
  for (size_t cut = 0; cut <= total; cut += step) {
    Stream stream;
    FeedPrefix(stream, capture_, cut);
    size_t complete = 0;
    while (complete < capture_.expected.size() && capture_.expected[complete].end <= cut) {
      ++complete;
    }
    SCOPED_TRACE("cut at " + std::to_string(cut));
    ExpectSame(capture_, stream.TakeQueries(), complete, true);
    if (HasFailure()) return;
  }
}

// Splitting any record into two syscalls changes nothing but which ts a byte carries.
TEST_P(FixtureTest, EverySplitPointYieldsTheRecordedQueries) {
  size_t total = capture_.size();
  size_t step = Small() ? 1 : 997;
  for (size_t split = 0; split < total; split += step) {
    Stream stream;
    FeedSplit(stream, capture_, split);
    SCOPED_TRACE("split at " + std::to_string(split));
    ExpectSame(capture_, stream.TakeQueries(), capture_.expected.size(), true);
    EXPECT_EQ(stream.stats().resyncs, 0u);
    if (HasFailure()) return;
  }
}

// Every capture size 0..4096 with the kernel's rule (head, gap, 16-byte tail) on the server's
// replies, the client's requests captured whole. Where every cut reply kept its tail (the kernel
// drops the tail when fewer than 16 bytes are left after the head, and then the end of the reply
// is simply not there), every query is reported with its SQL and ended at the right syscall
// (ReadyForQuery in the captured tail), with error codes exact whenever framing was never lost.
// Elsewhere: no more queries than recorded, each a recorded one, none ending early.
TEST_P(FixtureTest, EveryReplyCaptureSizeKeepsEveryQueryAndItsEnd) {
  bool skips = GetParam() == "pgbench_pipeline_error";  // lost errors hide the skipped Execute
  size_t exact_sizes = 0;
  for (size_t limit = 0; limit <= 4096; limit += (limit < 256 ? 1 : 61)) {
    Stream stream;
    bool tails_kept = test_util::RepliesKeepTails(capture_, limit);
    FeedCaptured(stream, capture_, limit, false);
    SCOPED_TRACE("capture size " + std::to_string(limit));
    std::vector<Query> got = stream.TakeQueries();
    bool lost = stream.stats().resyncs > 0;
    if (!tails_kept || (skips && lost)) {
      EXPECT_LE(got.size(), capture_.expected.size() + (skips ? 1 : 0));
      for (const Query& q : got) {
        bool known = false;
        for (const auto& want : capture_.expected) {
          known |= want.sql == q.sql && TsAt(capture_, want.end - 1) <= q.end_ns;
        }
        EXPECT_TRUE(known || skips) << q.sql;
      }
      if (HasFailure()) return;
      continue;
    }
    ++exact_sizes;
    ASSERT_EQ(got.size(), capture_.expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const auto& want = capture_.expected[i];
      EXPECT_EQ(got[i].sql, want.sql);
      EXPECT_EQ(got[i].prepared, want.prepared);
      EXPECT_EQ(got[i].end_ns, TsAt(capture_, want.end - 1)) << want.sql;
      if (!lost) {
        EXPECT_EQ(got[i].error_code, want.error_code);
      }
    }
    if (HasFailure()) return;
  }
  EXPECT_GT(exact_sizes, 0u);
  RecordProperty("exact_capture_sizes", static_cast<int>(exact_sizes));
}

// Both directions cut to every capture size: nothing crashes, every reported query is one of the
// recorded ones (or a prefix of one), in time order, and nothing is left unbounded.
TEST_P(FixtureTest, EveryCaptureSizeBothWaysReportsOnlyRecordedQueries) {
  for (size_t limit = 0; limit <= 4096; limit += (limit < 256 ? 1 : 61)) {
    Stream stream;
    FeedCaptured(stream, capture_, limit, true);
    SCOPED_TRACE("capture size " + std::to_string(limit));
    std::vector<Query> got = stream.TakeQueries();
    EXPECT_LE(got.size(), capture_.expected.size() + 1);
    for (const Query& q : got) {
      EXPECT_LE(q.start_ns, q.end_ns);
      bool known = false;
      for (const auto& want : capture_.expected) {
        known |= want.sql.compare(0, q.sql.size(), q.sql) == 0;
      }
      EXPECT_TRUE(known) << q.sql;
    }
    if (limit >= capture_.size()) ExpectSame(capture_, got, capture_.expected.size(), true);
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Captures, FixtureTest, testing::ValuesIn(CaptureNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace hostlens::protocols::postgres
