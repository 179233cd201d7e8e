// Conformance cases (tests/fixtures/conformance/postgres): conversations written from the
// protocol documents, fed as conformance_suite.h does (whole, split at every offset, byte by byte,
// neighbouring writes merged). Each must give exactly the expected queries, with nothing lost,
// unmatched or pending once the connection closes.

#include "tests/unit/protocols/conformance_suite.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/protocols/postgres/stream.h"

namespace hostlens::protocols::postgres {
namespace {

using test_util::ConformanceCase;

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

HOSTLENS_CONFORMANCE_TESTS(Stream, kProtocol);

}  // namespace
}  // namespace hostlens::protocols::postgres
