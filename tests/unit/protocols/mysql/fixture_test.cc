// Sweeps over real MariaDB captures (tests/fixtures/mysql): whole records, every prefix, every
// split point, and every capture size 0..4096 with the kernel's head/gap/tail rule.

#include "tests/unit/protocols/fixture.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/protocols/mysql/stream.h"
#include "tests/unit/protocols/segments.h"
#include "tests/unit/protocols/sweep.h"

namespace hostlens::protocols::mysql {
namespace {

using test_util::FeedCaptured;
using test_util::FeedPrefix;
using test_util::FeedSplit;
using test_util::TsAt;

using MyCapture = test_util::SqlCapture;

std::vector<std::string> CaptureNames() { return test_util::CaptureNames("mysql"); }
MyCapture LoadCapture(const std::string& name) { return test_util::LoadSqlCapture("mysql", name); }

void ExpectSame(const MyCapture& capture, const std::vector<Query>& got, size_t count,
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
  MyCapture capture_;
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
// replies, the client's commands captured whole. Where every cut reply kept its tail (the kernel
// drops the tail when fewer than 16 bytes are left after the head, and then the end of the reply
// is simply not there), every query is reported with its SQL and ended at the right syscall (the
// final EOF/OK in the captured tail, or the next command: the client reads the whole reply
// first), with error codes exact whenever framing was never lost, once the first 9 bytes of each
// reply are captured (each reply starts a read here; 9 bytes hold its first packet's header and
// an ERR's code or a PREPARE_OK's statement id).
// Elsewhere: no more queries than recorded, each a recorded one (its SQL cut when a PREPARE
// reply was lost), none ending early.
TEST_P(FixtureTest, EveryReplyCaptureSizeKeepsEveryQueryAndItsEnd) {
  size_t exact_sizes = 0;
  for (size_t limit = 0; limit <= 4096; limit += (limit < 256 ? 1 : 61)) {
    Stream stream;
    bool tails_kept = test_util::RepliesKeepTails(capture_, limit);
    FeedCaptured(stream, capture_, limit, false);
    SCOPED_TRACE("capture size " + std::to_string(limit));
    std::vector<Query> got = stream.TakeQueries();
    bool lost = stream.stats().resyncs > 0;
    if (!tails_kept || limit < 9) {
      EXPECT_LE(got.size(), capture_.expected.size());
      for (const Query& q : got) {
        bool known = false;
        for (const auto& want : capture_.expected) {
          // A cut SQL is a prefix (empty for an EXECUTE whose PREPARE reply was lost).
          bool sql =
              q.sql_truncated ? want.sql.compare(0, q.sql.size(), q.sql) == 0 : want.sql == q.sql;
          known |= sql && TsAt(capture_, want.end - 1) <= q.end_ns;
        }
        EXPECT_TRUE(known) << q.sql << " ending " << q.end_ns;
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
}  // namespace hostlens::protocols::mysql
