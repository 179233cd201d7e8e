// Conformance cases (tests/fixtures/conformance/redis): conversations written from the protocol
// documents, each fed whole, with every record split in two at every offset, each byte its own
// syscall, and with neighbouring same-direction writes merged (whole and split). Each must give
// exactly the expected commands, with nothing lost, unmatched or pending at the end.

#include "tests/unit/protocols/conformance_suite.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/protocols/redis/stream.h"

namespace hostlens::protocols::redis {
namespace {

using test_util::ConformanceCase;

constexpr std::string_view kProtocol = "redis";

// The commands and losses of one feed. Commands the server does not answer (CLIENT REPLY OFF and
// SKIP) are not reported: a case lists only the answered ones.
void ExpectConformant(const ConformanceCase& conformance, Stream& stream) {
  std::vector<Command> got = stream.TakeCommands();
  ASSERT_EQ(got.size(), conformance.expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& want = conformance.expected[i];
    SCOPED_TRACE("command " + std::to_string(i) + ": " + want.what);
    EXPECT_EQ(got[i].name, want.what);
    EXPECT_EQ(got[i].error_type.empty() ? "ok" : got[i].error_type, want.result);
    EXPECT_EQ(got[i].keys_looked_up, want.has_keys ? want.keys : 0u);
    EXPECT_EQ(got[i].hits, want.has_keys ? want.hits : 0u);
    EXPECT_TRUE(want.status.empty()) << "Redis has no status word";
    EXPECT_FALSE(want.noreply) << "unanswered Redis commands are not reported";
    EXPECT_LE(got[i].start_ns, got[i].end_ns);
  }
  StreamStats stats = stream.stats();
  EXPECT_EQ(stats.resyncs, 0u);
  EXPECT_EQ(stats.unmatched_responses, 0u);
  EXPECT_EQ(stats.lost_responses, 0u);
  EXPECT_EQ(stats.evicted_requests, 0u);
  EXPECT_EQ(stream.pending(), 0u);
}

HOSTLENS_CONFORMANCE_TESTS(Stream, kProtocol);

}  // namespace
}  // namespace hostlens::protocols::redis
