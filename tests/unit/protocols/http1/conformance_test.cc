// The HTTP conformance cases (tests/fixtures/conformance/http): each connection fed whole (one
// segment per syscall), each byte its own segment, split in two at every byte of every syscall,
// and with neighbouring same-direction syscalls merged (whole and split at every byte), from the
// server's side and, mirrored, from the client's.

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "agent/protocols/http1/stream.h"
#include "tests/unit/protocols/http1/conformance_case.h"

namespace hostlens::protocols::http1 {
namespace {

using test_util::CaptureRecord;
using test_util::HttpConformanceCase;
using test_util::RoleName;

// What answers a request the case leaves unanswered, and the exchange fed after every case: a
// head still pending, or a made-up request still waiting, would take them.
constexpr std::string_view kProbeAnswer = "HTTP/1.1 299 Probe\r\nContent-Length: 0\r\n\r\n";
constexpr int kProbeStatus = 299;
constexpr std::string_view kProbeRequest = "GET /probe HTTP/1.1\r\n\r\n";
constexpr std::string_view kProbeResponse = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

struct Feed {
  std::string name;
  std::vector<CaptureRecord> syscalls;
};

std::vector<CaptureRecord> Split(const std::vector<CaptureRecord>& records, size_t index,
                                 size_t at) {
  std::vector<CaptureRecord> out;
  for (size_t i = 0; i < records.size(); ++i) {
    if (i != index) {
      out.push_back(records[i]);
      continue;
    }
    out.push_back({records[i].from_client, records[i].bytes.substr(0, at)});
    out.push_back({records[i].from_client, records[i].bytes.substr(at)});
  }
  return out;
}

std::vector<Feed> Feeds(const HttpConformanceCase& c) {
  std::vector<Feed> feeds;
  feeds.push_back({"whole", c.records});
  Feed bytes{"byte by byte", {}};
  for (const CaptureRecord& r : c.records) {
    for (char b : r.bytes) bytes.syscalls.push_back({r.from_client, std::string(1, b)});
  }
  feeds.push_back(std::move(bytes));
  std::vector<CaptureRecord> merged = test_util::MergeNeighbours(c).records;
  feeds.push_back({"merged", merged});
  for (bool merge : {false, true}) {
    const std::vector<CaptureRecord>& records = merge ? merged : c.records;
    for (size_t i = 0; i < records.size(); ++i) {
      for (size_t at = 1; at < records[i].bytes.size(); ++at) {
        feeds.push_back({std::string(merge ? "merged, " : "") + "syscall " + std::to_string(i) +
                             " split at " + std::to_string(at),
                         Split(records, i, at)});
      }
    }
  }
  return feeds;
}

::testing::AssertionResult Check(const HttpConformanceCase& c, Role role, const Feed& feed) {
  Stream stream(role);
  uint64_t ts = 0;
  auto send = [&](bool requests, std::string_view bytes) {
    bool ingress = (role == Role::kServer) == requests;
    auto segment = test_util::Whole(bytes, ts += 1000);
    stream.OnSegment(ingress ? Direction::kIngress : Direction::kEgress, segment.view());
  };
  for (const CaptureRecord& r : feed.syscalls) send(r.from_client, r.bytes);

  std::vector<Exchange> exchanges = stream.TakeExchanges();
  size_t unanswered = 0;
  for (const auto& e : c.expected) unanswered += e.status == 0;
  if (stream.outstanding_requests() != unanswered) {
    return ::testing::AssertionFailure() << feed.name << ": " << stream.outstanding_requests()
                                         << " requests waiting, expected " << unanswered;
  }
  for (size_t i = 0; i < unanswered; ++i) send(false, kProbeAnswer);
  send(true, kProbeRequest);
  send(false, kProbeResponse);
  for (const Exchange& e : stream.TakeExchanges()) exchanges.push_back(e);

  std::vector<test_util::ExpectedExchange> expected = c.expected;
  for (auto& e : expected) {
    if (e.status == 0) e.status = kProbeStatus;
  }
  expected.push_back({"GET", "/probe", 200});
  std::ostringstream got;
  for (const Exchange& e : exchanges) {
    got << " [" << e.request.method << " " << e.request.target << " " << e.response.status << "]";
  }
  if (exchanges.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << feed.name << ": " << exchanges.size() << " exchanges, expected " << expected.size()
           << ":" << got.str();
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const Exchange& e = exchanges[i];
    if (e.request.method != expected[i].method || e.request.target != expected[i].target ||
        e.response.status != expected[i].status) {
      return ::testing::AssertionFailure()
             << feed.name << ": exchange " << i << " differs:" << got.str();
    }
  }
  StreamStats stats = stream.stats();
  if (stats.resyncs != c.resyncs || stats.lost_responses != c.lost_responses ||
      stats.unmatched_responses != 0 || stats.evicted_requests != 0 || stats.inferred_ends != 0 ||
      stream.outstanding_requests() != 0) {
    return ::testing::AssertionFailure()
           << feed.name << ": resyncs " << stats.resyncs << " (expected " << c.resyncs
           << "), lost responses " << stats.lost_responses << " (expected " << c.lost_responses
           << "), unmatched " << stats.unmatched_responses << ", evicted " << stats.evicted_requests
           << ", inferred ends " << stats.inferred_ends << ", waiting "
           << stream.outstanding_requests();
  }
  return ::testing::AssertionSuccess();
}

using CaseParam = std::tuple<std::string, Role>;

class ConformanceTest : public ::testing::TestWithParam<CaseParam> {};

TEST_P(ConformanceTest, EveryFeedGivesExactlyTheExpectedExchanges) {
  const auto& [name, role] = GetParam();
  HttpConformanceCase c = test_util::LoadHttpConformanceCase(name);
  ASSERT_FALSE(c.expected.empty()) << name << ": no expected.txt";
  for (const Feed& feed : Feeds(c)) {
    ASSERT_TRUE(Check(c, role, feed));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ConformanceTest,
                         ::testing::Combine(::testing::ValuesIn(test_util::HttpConformanceNames()),
                                            ::testing::Values(Role::kServer, Role::kClient)),
                         [](const ::testing::TestParamInfo<CaseParam>& info) {
                           return std::get<0>(info.param) + "_" + RoleName(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace hostlens::protocols::http1
