// Sweeps over real captures: whole, every prefix, every split point, byte by byte, and every
// captured-prefix size the kernel might use, with and without tails.

#include "tests/unit/protocols/http1/fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "agent/protocols/http1/stream.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::http1 {
namespace {

using test_util::Capture;
using test_util::CapturedSegment;
using test_util::CaptureMessage;
using test_util::CaptureRecord;
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
std::vector<Exchange> Replay(const HttpCapture& capture, Role role, bool close, MakeSegments&& make,
                             Stream* stream) {
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

bool SameExchange(const Exchange& actual, const test_util::CaptureExchange& expected) {
  const Request& request = actual.request;
  return request.method == expected.method && actual.response.status == expected.status &&
         (request.target == expected.target ||
          (request.headers_truncated && expected.target.starts_with(request.target)));
}

::testing::AssertionResult Subsequence(const std::vector<Exchange>& actual,
                                       const HttpCapture& capture) {
  size_t next = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    while (next < capture.exchanges.size() && !SameExchange(actual[i], capture.exchanges[next])) {
      ++next;
    }
    if (next == capture.exchanges.size()) {
      return ::testing::AssertionFailure()
             << "exchange " << i << " (" << actual[i].request.method << " "
             << actual[i].request.target << " " << actual[i].response.status
             << ") is not in the capture, in order";
    }
    ++next;
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
            segments.push_back(test_util::Whole(record.bytes.substr(0, at), (index + 1) * 1000));
            segments.push_back(test_util::Whole(record.bytes.substr(at), (index + 1) * 1000 + 1));
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
// response ended by then. A prefix is the records before it whole and a part of the next one;
// the stream after the whole records is kept and copied for each part.
TEST_P(FixtureTest, EveryPrefixYieldsExactlyTheCompleteExchanges) {
  Stream whole_records(role());
  size_t exchanges_before = 0;
  size_t response_bytes = 0;
  for (size_t index = 0; index < capture_.records.size(); ++index) {
    const CaptureRecord& record = capture_.records[index];
    for (size_t n = 0; n <= record.bytes.size(); ++n) {
      Stream stream = whole_records;
      if (n > 0) {
        stream.OnSegment(DirectionOf(record, role()),
                         test_util::Whole(record.bytes.substr(0, n), (index + 1) * 1000).view());
      }
      std::vector<Exchange> exchanges = stream.TakeExchanges();
      size_t complete = CompleteBy(response_bytes + (record.from_client ? 0 : n));
      ASSERT_EQ(exchanges_before + exchanges.size(), complete)
          << "record " << index << " cut after " << n;
      ASSERT_EQ(stream.resyncs(), 0u) << "record " << index << " cut after " << n;
    }
    whole_records.OnSegment(DirectionOf(record, role()),
                            test_util::Whole(record.bytes, (index + 1) * 1000).view());
    exchanges_before += whole_records.TakeExchanges().size();
    if (!record.from_client) response_bytes += record.bytes.size();
  }
  // Which exchanges they are is checked by WholeRecordsYieldTheRecordedExchanges.
  EXPECT_EQ(exchanges_before, CompleteBy(response_bytes));
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
  // Every size up to 4 KiB (all header blocks here, and the interesting small sizes), then
  // sizes around each record's length (where head, tail and gap meet), then a stride.
  std::vector<size_t> sizes;
  for (size_t size = 0; size <= 4096; ++size) sizes.push_back(size);
  for (const CaptureRecord& r : capture_.records) {
    for (size_t delta = 0; delta <= 2 * test_util::kTailBytes; ++delta) {
      if (r.bytes.size() >= delta) sizes.push_back(r.bytes.size() - delta);
    }
    sizes.push_back(r.bytes.size() + 1);
    for (size_t size = 4096; size < r.bytes.size(); size += 97) sizes.push_back(size);
  }
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());

  size_t recoverable_sizes = 0;
  for (bool tails : {true, false}) {
    for (size_t head_limit : sizes) {
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
        // Exchanges are lost, never made up: what comes out is a subsequence of the truth.
        ASSERT_TRUE(Subsequence(exchanges, capture_))
            << "head " << head_limit << (tails ? " with tails" : " without tails");
      }
    }
  }
  EXPECT_GT(recoverable_sizes, 0u);
  // The kernel's default capture keeps every capture recoverable but the 50 pipelined requests,
  // which one 2440-byte read holds.
  if (capture_.name != "nginx_pipelined") {
    EXPECT_TRUE(Recoverability(capture_, 512).Recoverable());
  }
}

INSTANTIATE_TEST_SUITE_P(Captures, FixtureTest,
                         ::testing::Combine(::testing::ValuesIn(test_util::CaptureNames()),
                                            ::testing::Values(Role::kServer, Role::kClient)),
                         [](const ::testing::TestParamInfo<FixtureParam>& info) {
                           return std::get<0>(info.param) + "_" + RoleName(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace hostlens::protocols::http1
