// Sweeps over real captures (tests/fixtures/redis): whole records, every prefix, every split
// point, and capture sizes 0..4096 with the kernel's head/gap/tail rule.

#include "tests/unit/protocols/fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "agent/protocols/redis/limits.h"
#include "agent/protocols/redis/stream.h"
#include "tests/unit/protocols/segments.h"
#include "tests/unit/protocols/sweep.h"

namespace hostlens::protocols::redis {
namespace {

using test_util::FeedCaptured;
using test_util::FeedPrefix;
using test_util::FeedSplit;
using test_util::TsAt;

using RedisCapture = test_util::CommandCapture;

std::vector<std::string> CaptureNames() { return test_util::CaptureNames("redis"); }
RedisCapture LoadCapture(const std::string& name) {
  return test_util::LoadCommandCapture("redis", name);
}

void ExpectSame(const RedisCapture& capture, const std::vector<Command>& got, size_t count,
                bool check_ts) {
  ASSERT_EQ(got.size(), count);
  for (size_t i = 0; i < count; ++i) {
    const auto& want = capture.expected[i];
    SCOPED_TRACE("command " + std::to_string(i) + ": " + want.name);
    EXPECT_EQ(got[i].name, want.name);
    EXPECT_EQ(got[i].error_type, want.error_type);
    EXPECT_EQ(got[i].keys_looked_up, want.keys);
    EXPECT_EQ(got[i].hits, want.hits);
    EXPECT_EQ(got[i].in_transaction, want.flag);
    EXPECT_LE(got[i].start_ns, got[i].end_ns);
    if (check_ts) {
      EXPECT_EQ(got[i].end_ns, TsAt(capture, want.end - 1));
    }
  }
}

// What a lossy capture may report: a subsequence of the recorded commands (by name; "_OTHER"
// when the capture cut the name), each ending no earlier than the recorded one.
void ExpectSubsequence(const RedisCapture& capture, const std::vector<Command>& got) {
  size_t next = 0;
  for (const Command& c : got) {
    EXPECT_LE(c.start_ns, c.end_ns);
    while (next < capture.expected.size() && capture.expected[next].name != c.name &&
           c.name != "_OTHER") {
      ++next;
    }
    ASSERT_LT(next, capture.expected.size()) << "not recorded (in this order): " << c.name;
    EXPECT_GE(c.end_ns, TsAt(capture, capture.expected[next].end - 1)) << c.name;
    ++next;
  }
}

class FixtureTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { capture_ = LoadCapture(GetParam()); }
  size_t Step() const {
    size_t size = capture_.size();
    return size <= 8192 ? 1 : size / 4096 + 1;
  }
  RedisCapture capture_;
};

TEST_P(FixtureTest, WholeRecordsYieldTheRecordedCommands) {
  ASSERT_FALSE(capture_.expected.empty());
  Stream stream;
  FeedPrefix(stream, capture_);
  ExpectSame(capture_, stream.TakeCommands(), capture_.expected.size(), true);
  StreamStats stats = stream.stats();
  EXPECT_EQ(stats.resyncs, 0u);
  EXPECT_EQ(stats.unmatched_responses, 0u);
  EXPECT_EQ(stats.lost_responses, 0u);
  EXPECT_EQ(stream.pending(), 0u);
}

// Feeding the recording up to every byte offset reports exactly the commands complete by then
// (an UNSUBSCRIBE without channels ends only when the next message shows its last confirmation
// was the last: it may be reported one message late, never early).
TEST_P(FixtureTest, EveryPrefixYieldsExactlyTheCompleteCommands) {
  size_t total = capture_.size();
  for (size_t cut = 0; cut <= total; cut += Step()) {
    Stream stream;
    FeedPrefix(stream, capture_, cut);
    size_t complete = 0;
    while (complete < capture_.expected.size() && capture_.expected[complete].end <= cut) {
      ++complete;
    }
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::vector<Command> got = stream.TakeCommands();
    if (got.size() + 1 == complete && capture_.expected[complete - 1].name == "UNSUBSCRIBE") {
      --complete;
    }
    ExpectSame(capture_, got, complete, true);
    EXPECT_EQ(stream.stats().resyncs, 0u);
    if (HasFailure()) return;
  }
}

// Splitting any record into two syscalls changes nothing but which ts a byte carries.
TEST_P(FixtureTest, EverySplitPointYieldsTheRecordedCommands) {
  size_t total = capture_.size();
  for (size_t split = 0; split < total; split += Step()) {
    Stream stream;
    FeedSplit(stream, capture_, split);
    SCOPED_TRACE("split at " + std::to_string(split));
    ExpectSame(capture_, stream.TakeCommands(), capture_.expected.size(), true);
    EXPECT_EQ(stream.stats().resyncs, 0u);
    if (HasFailure()) return;
  }
}

// Captures cut to every capture size 0..4096 (head, gap, 16-byte tail). Whenever framing was
// never lost, every command is exact; otherwise what is reported is a subsequence of the
// recorded commands, none ending early, and framing is found again: once the last two records
// (the last command and its reply) fit whole, the last command is reported exactly. Returns how
// many sizes were exact.
size_t SweepCaptureSizes(const RedisCapture& capture, bool cut_commands) {
  size_t exact = 0;
  size_t n = capture.records.size();
  size_t last_fits = std::max<size_t>(
      64, std::max(capture.records[n - 1].bytes.size(), capture.records[n - 2].bytes.size()));
  for (size_t limit = 0; limit <= 4096; limit += (limit < 256 ? 1 : 61)) {
    Stream stream;
    FeedCaptured(stream, capture, limit, cut_commands);
    SCOPED_TRACE("capture size " + std::to_string(limit));
    std::vector<Command> got = stream.TakeCommands();
    if (stream.stats().resyncs == 0) {
      ++exact;
      ExpectSame(capture, got, capture.expected.size(), true);
    } else {
      EXPECT_LE(got.size(), capture.expected.size());
      ExpectSubsequence(capture, got);
      if (limit >= last_fits) {
        const auto& want = capture.expected.back();
        EXPECT_TRUE(!got.empty() && got.back().name == want.name && got.back().hits == want.hits &&
                    got.back().end_ns == TsAt(capture, want.end - 1))
            << "last command not found again: " << want.name;
      }
    }
    EXPECT_LE(stream.pending(), kMaxPending);
    if (testing::Test::HasFailure()) break;
  }
  return exact;
}

// Reads of more than 4 KiB that hold several replies (redis-cli's COMMAND DOCS, the end of the
// large value merged with the next replies) always hide a header: no size is exact there.
bool AlwaysLossy(const std::string& name) { return name == "cli_basic" || name == "large_value"; }

TEST_P(FixtureTest, EveryReplyCaptureSize) {
  size_t exact = SweepCaptureSizes(capture_, false);
  RecordProperty("exact_capture_sizes", static_cast<int>(exact));
  if (!AlwaysLossy(GetParam())) {
    EXPECT_GT(exact, 0u);
  }
}

TEST_P(FixtureTest, EveryCaptureSizeBothWays) {
  size_t exact = SweepCaptureSizes(capture_, true);
  RecordProperty("exact_capture_sizes", static_cast<int>(exact));
  if (!AlwaysLossy(GetParam())) {
    EXPECT_GT(exact, 0u);
  }
}

// The large value itself never loses framing: with 256 bytes captured, the 256 KiB SET and GET
// are framed across their gaps. (The proxy's read that merged the value's end with the next GET
// hides that GET, and the read merging the GET's reply with the next two replies hides those:
// found again at DEL.)
TEST(LargeValueTest, FramingHoldsAcrossTheValue) {
  RedisCapture capture = LoadCapture("large_value");
  Stream stream;
  FeedCaptured(stream, capture, 256, true);
  std::vector<Command> got = stream.TakeCommands();
  ASSERT_EQ(got.size(), 5u);
  for (size_t want : {0, 1, 2, 4, 7}) {
    const Command& c = got[want == 4 ? 3 : want == 7 ? 4 : want];
    EXPECT_EQ(c.name, capture.expected[want].name);
    EXPECT_EQ(c.hits, capture.expected[want].hits);
    EXPECT_EQ(c.keys_looked_up, capture.expected[want].keys);
    EXPECT_EQ(c.end_ns, TsAt(capture, capture.expected[want].end - 1));
  }
  EXPECT_EQ(got[3].hits, 1u);  // GET big
}

INSTANTIATE_TEST_SUITE_P(Captures, FixtureTest, testing::ValuesIn(CaptureNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace hostlens::protocols::redis
