// Sweeps over real captures: whole, every prefix, every split point, byte by byte, and every
// captured-prefix size the kernel might use, with and without tails.

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "agent/protocols/http1/stream.h"
#include "tests/unit/protocols/http1/fixture.h"
#include "tests/unit/protocols/http1/segments.h"

namespace hostlens::protocols::http1 {
namespace {

using test_util::Capture;
using test_util::CaptureMessage;
using test_util::CaptureRecord;
using test_util::CapturedSegment;
using test_util::HttpCapture;
using test_util::LoadCapture;
using test_util::RoleName;

// The traced process's side: as the server it reads what the client sent; as the client it
// writes it.
Direction DirectionOf(const CaptureRecord& record, Role role) {
  return (role == Role::kServer) == record.from_client ? Direction::kIngress : Direction::kEgress;
}

// Feeds segments made by `make(record_index, record)`; returns the exchanges.
template <typename MakeSegments>
std::vector<Exchange> Replay(const HttpCapture& capture, Role role, bool close,
                             MakeSegments&& make, Stream* stream) {
  for (size_t i = 0; i < capture.records.size(); ++i) {
    for (const CapturedSegment& segment : make(i, capture.records[i])) {
      stream->OnSegment(DirectionOf(capture.records[i], role), segment.view());
    }
  }
  if (close) stream->OnClose(0);
  return stream->TakeExchanges();
}

std::vector<CapturedSegment> WholeRecord(size_t index, const CaptureRecord& record) {
  std::vector<CapturedSegment> segments;
  segments.push_back(test_util::Whole(record.bytes, (index + 1) * 1000));
  return segments;
}

// With `cut_targets`, a request whose head was truncated may carry a prefix of its target (the
// capture limit cut its request line).
::testing::AssertionResult SameExchanges(const std::vector<Exchange>& actual,
                                         const HttpCapture& capture, size_t count,
                                         bool cut_targets = false) {
  if (actual.size() != count) {
    return ::testing::AssertionFailure()
           << actual.size() << " exchanges, expected " << count << " of " << capture.name;
  }
  for (size_t i = 0; i < count; ++i) {
    const auto& expected = capture.exchanges[i];
    const Request& request = actual[i].request;
    bool target_ok = request.target == expected.target ||
                     (cut_targets && request.headers_truncated && !request.target.empty() &&
                      expected.target.starts_with(request.target));
    if (request.method != expected.method || !target_ok ||
        actual[i].response.status != expected.status) {
      return ::testing::AssertionFailure()
             << "exchange " << i << ": " << actual[i].request.method << " "
             << actual[i].request.target << " " << actual[i].response.status << ", expected "
             << expected.method << " " << expected.target << " " << expected.status;
    }
  }
  return ::testing::AssertionSuccess();
}

using FixtureParam = std::tuple<std::string, Role>;

class FixtureTest : public ::testing::TestWithParam<FixtureParam> {
 protected:
  void SetUp() override {
    capture_ = LoadCapture(std::get<0>(GetParam()));
    for (const CaptureRecord& r : capture_.records) {
      if (!r.from_client) response_stream_ += r.bytes;
    }
  }
  Role role() const { return std::get<1>(GetParam()); }

  // Final responses (not 1xx interim ones) whose last byte lies within the first
  // `response_bytes` of the response stream.
  size_t CompleteBy(size_t response_bytes) const {
    size_t count = 0;
    for (const CaptureMessage& m : capture_.messages) {
      if (m.from_client || m.until_close || m.end > response_bytes) continue;
      std::string_view status = std::string_view(response_stream_).substr(m.start + 9, 3);
      if (status[0] != '1' || status == "101") ++count;
    }
    return count;
  }

  HttpCapture capture_;
  std::string response_stream_;
};

TEST_P(FixtureTest, WholeRecordsYieldTheRecordedExchanges) {
  Stream stream(role());
  std::vector<Exchange> exchanges = Replay(capture_, role(), true, WholeRecord, &stream);
  EXPECT_TRUE(SameExchanges(exchanges, capture_, capture_.exchanges.size()));
  EXPECT_EQ(stream.stats().resyncs, 0u);
  EXPECT_EQ(stream.stats().inferred_ends, 0u);
  EXPECT_EQ(stream.stats().unmatched_responses, 0u);
  EXPECT_EQ(stream.upgraded(), !capture_.upgraded.empty());
  EXPECT_EQ(stream.websocket(), capture_.upgraded == "websocket");
  for (size_t i = 0; i < exchanges.size(); ++i) {
    EXPECT_LE(exchanges[i].request.first_byte_ns, exchanges[i].response.first_byte_ns);
    EXPECT_LE(exchanges[i].response.first_byte_ns, exchanges[i].response.last_byte_ns);
  }
}

TEST_P(FixtureTest, ByteByByteYieldsTheRecordedExchanges) {
  Stream stream(role());
  std::vector<Exchange> exchanges = Replay(
      capture_, role(), true,
      [](size_t index, const CaptureRecord& record) {
        std::vector<CapturedSegment> segments;
        for (size_t i = 0; i < record.bytes.size(); ++i) {
          segments.push_back(test_util::Whole(record.bytes.substr(i, 1), index * 100000 + i));
        }
        return segments;
      },
      &stream);
  EXPECT_TRUE(SameExchanges(exchanges, capture_, capture_.exchanges.size()));
  EXPECT_EQ(stream.resyncs(), 0u);
}

TEST_P(FixtureTest, EverySplitPointYieldsTheRecordedExchanges) {
  for (size_t split_record = 0; split_record < capture_.records.size(); ++split_record) {
    for (size_t at = 1; at < capture_.records[split_record].bytes.size(); ++at) {
      Stream stream(role());
      std::vector<Exchange> exchanges = Replay(
          capture_, role(), true,
          [&](size_t index, const CaptureRecord& record) {
            if (index != split_record) return WholeRecord(index, record);
            std::vector<CapturedSegment> segments;
            segments.push_back(test_util::Whole(record.bytes.substr(0, at), 1));
            segments.push_back(test_util::Whole(record.bytes.substr(at), 2));
            return segments;
          },
          &stream);
      ASSERT_TRUE(SameExchanges(exchanges, capture_, capture_.exchanges.size()))
          << "record " << split_record << " split at " << at;
      ASSERT_EQ(stream.resyncs(), 0u) << "record " << split_record << " split at " << at;
    }
  }
}

// Never a wrong frame from a prefix: cut after any byte, exactly the exchanges whose final
// response ended by then.
TEST_P(FixtureTest, EveryPrefixYieldsExactlyTheCompleteExchanges) {
  size_t total = 0;
  for (const CaptureRecord& r : capture_.records) total += r.bytes.size();
  for (size_t cut = 0; cut <= total; ++cut) {
    Stream stream(role());
    size_t fed = 0;
    size_t response_bytes = 0;
    std::vector<Exchange> exchanges = Replay(
        capture_, role(), false,
        [&](size_t index, const CaptureRecord& record) {
          std::vector<CapturedSegment> segments;
          size_t n = std::min(record.bytes.size(), cut - fed);
          fed += n;
          if (!record.from_client) response_bytes += n;
          if (n > 0) segments.push_back(test_util::Whole(record.bytes.substr(0, n), index));
          return segments;
        },
        &stream);
    ASSERT_TRUE(SameExchanges(exchanges, capture_, CompleteBy(response_bytes))) << "cut " << cut;
    ASSERT_EQ(stream.resyncs(), 0u) << "cut " << cut;
  }
}

// Whether the rules in framer.cc can recover every message boundary when each record is
// captured only in its first `head_limit` bytes (plus its last 16 with tails).
class Recoverability {
 public:
  Recoverability(const HttpCapture& capture, size_t head_limit)
      : capture_(capture), head_limit_(head_limit) {
    for (bool client : {true, false}) {
      for (const CaptureRecord& r : capture.records) {
        if (r.from_client != client) continue;
        records_[client].push_back({streams_[client].size(), r.bytes.size()});
        streams_[client] += r.bytes;
      }
    }
  }

  bool Recoverable() const {
    for (const CaptureMessage& m : capture_.messages) {
      if (!MessageRecoverable(m)) return false;
    }
    return true;
  }

 private:
  struct Span {
    size_t start;
    size_t size;
    size_t end() const { return start + size; }
  };

  const Span& RecordAt(bool client, size_t offset) const {
    for (const Span& span : records_[client]) {
      if (offset < span.end()) return span;
    }
    return records_[client].back();
  }

  bool Captured(bool client, size_t offset) const {
    const Span& span = RecordAt(client, offset);
    return offset - span.start < head_limit_;
  }

  bool MessageRecoverable(const CaptureMessage& m) const {
    bool client = m.from_client;
    // Its start line must be visible far enough to be recognised: the method and the target's
    // first byte, or the status code.
    size_t needed = client ? MethodSize(m) + 2 : 12;
    const Span& first = RecordAt(client, m.start);
    if (m.start - first.start + needed > head_limit_) return false;
    // A header block continuing into the next record needs the first one whole.
    for (size_t at = m.start; at < m.head_end;) {
      const Span& span = RecordAt(client, at);
      if (m.head_end > span.end() && span.size > head_limit_) return false;
      at = span.end();
    }
    // A guessed boundary (head cut, or chunk framing possibly lost) must coincide with the end of
    // a record or of the stream, where the next message's start line or the close ends it.
    bool head_cut = !Captured(client, m.head_end - 1);
    bool body_uncaptured = false;
    size_t end = m.until_close ? streams_[client].size() : m.end;
    for (size_t at = m.head_end; at < end; ++at) {
      if (!Captured(client, at)) {
        body_uncaptured = true;
        break;
      }
    }
    bool chunked = IsChunked(m);
    if (head_cut || (chunked && body_uncaptured)) {
      const Span& last = RecordAt(client, end - 1);
      if (end != last.end()) return false;
    }
    return true;
  }

  size_t MethodSize(const CaptureMessage& m) const {
    return std::string_view(streams_[true]).substr(m.start, m.start_line).find(' ');
  }

  bool IsChunked(const CaptureMessage& m) const {
    std::string head = streams_[m.from_client].substr(m.start, m.head_end - m.start);
    std::transform(head.begin(), head.end(), head.begin(), ::tolower);
    return head.find("transfer-encoding: chunked") != std::string::npos;
  }

  const HttpCapture& capture_;
  size_t head_limit_;
  std::vector<Span> records_[2];
  std::string streams_[2];
};

TEST_P(FixtureTest, EveryCapturedPrefixSizeKeepsRecoverableFramingExact) {
  size_t longest = 0;
  for (const CaptureRecord& r : capture_.records) longest = std::max(longest, r.bytes.size());
  size_t recoverable_sizes = 0;
  for (bool tails : {true, false}) {
    for (size_t head_limit = 0; head_limit <= longest; ++head_limit) {
      Stream stream(role());
      std::vector<Exchange> exchanges = Replay(
          capture_, role(), true,
          [&](size_t index, const CaptureRecord& record) {
            std::vector<CapturedSegment> segments;
            segments.push_back(Capture(record.bytes, head_limit, tails, (index + 1) * 1000));
            return segments;
          },
          &stream);
      if (Recoverability(capture_, head_limit).Recoverable()) {
        ++recoverable_sizes;
        ASSERT_TRUE(SameExchanges(exchanges, capture_, capture_.exchanges.size(), true))
            << "head " << head_limit << (tails ? " with tails" : " without tails");
        ASSERT_EQ(stream.resyncs(), 0u) << "head " << head_limit;
        ASSERT_EQ(stream.upgraded(), !capture_.upgraded.empty()) << "head " << head_limit;
      } else {
        ASSERT_LE(exchanges.size(), capture_.exchanges.size()) << "head " << head_limit;
      }
    }
  }
  // The default capture (512 bytes) must be among the recoverable sizes of every capture.
  EXPECT_TRUE(Recoverability(capture_, 512).Recoverable());
  EXPECT_GT(recoverable_sizes, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Captures, FixtureTest,
    ::testing::Combine(::testing::ValuesIn(test_util::CaptureNames()),
                       ::testing::Values(Role::kServer, Role::kClient)),
    [](const ::testing::TestParamInfo<FixtureParam>& info) {
      return std::get<0>(info.param) + "_" + RoleName(std::get<1>(info.param));
    });

}  // namespace
}  // namespace hostlens::protocols::http1
