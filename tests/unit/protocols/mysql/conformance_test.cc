// Conformance cases (tests/fixtures/conformance/mysql): conversations written from the
// protocol documents, fed as conformance_suite.h does (whole, split at every offset, byte by byte,
// neighbouring writes merged). Each must give exactly the expected queries, with nothing lost,
// unmatched or pending once the connection closes. The cases of conformance/mysql_tls are the
// decrypted bytes of a TLS session, fed after the plaintext greeting and SSLRequest.

#include "tests/unit/protocols/conformance_suite.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/protocols/mysql/stream.h"
#include "tests/unit/protocols/mysql/wire.h"

namespace hostlens::protocols::mysql {
namespace {

using test_util::ConformanceCase;

constexpr std::string_view kProtocol = "mysql";

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
  EXPECT_FALSE(stream.encrypted());
}

HOSTLENS_CONFORMANCE_TESTS(Stream, kProtocol);

// A connection whose client asked for TLS: the greeting (the server offers CLIENT_SSL and
// CLIENT_DEPRECATE_EOF) and the SSLRequest read in plaintext, then TLS started, as the
// connection table does at the first TLS probe's plaintext. The case's records come next.
class InsideTls : public Stream {
 public:
  InsideTls() {
    using test_util::kBaseCaps;
    auto greeting = test_util::Whole(
        test_util::Greeting(kBaseCaps | kClientSsl | kClientDeprecateEof), 1);
    OnSegment(Direction::kIngress, greeting.view());
    auto ssl_request = test_util::Whole(test_util::SslRequest(kBaseCaps | kClientDeprecateEof), 2);
    OnSegment(Direction::kEgress, ssl_request.view());
    EXPECT_TRUE(encrypted());
    EXPECT_TRUE(StartTls());
  }
};

constexpr std::string_view kTlsProtocol = "mysql_tls";
HOSTLENS_CONFORMANCE_TESTS_NAMED(TlsConformanceTest, InsideTls, kTlsProtocol);

}  // namespace
}  // namespace hostlens::protocols::mysql
