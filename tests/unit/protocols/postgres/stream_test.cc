// Stream behaviour on hand-built conversations: extended protocol and pipelines, errors, large
// results mostly uncaptured, encryption, bounds.

#include "agent/protocols/postgres/stream.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "agent/protocols/postgres/limits.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::postgres {
namespace {

using test_util::Capture;
using Conversation = test_util::Conversation<Stream, &Stream::TakeQueries>;

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string Msg(char type, std::string_view body) {
  return std::string(1, type) + Be32(static_cast<uint32_t>(body.size() + 4)) + std::string(body);
}
std::string Str(std::string_view s) { return std::string(s) + std::string(1, '\0'); }
std::string Query(std::string_view sql) { return Msg('Q', Str(sql)); }
std::string Parse(std::string_view name, std::string_view sql) {
  return Msg('P', Str(name) + Str(sql) + std::string(2, '\0'));
}
std::string Bind(std::string_view portal, std::string_view stmt) {
  return Msg('B', Str(portal) + Str(stmt) + std::string(6, '\0'));
}
std::string Execute(std::string_view portal) { return Msg('E', Str(portal) + Be32(0)); }
std::string Sync() { return Msg('S', ""); }
std::string Ready(char status = 'I') { return Msg('Z', std::string(1, status)); }
std::string Complete(std::string_view tag) { return Msg('C', Str(tag)); }
std::string Error(std::string_view code) {
  return Msg('E', "SERROR" + std::string(1, '\0') + "C" + Str(code) + "Mboom" +
                      std::string(2, '\0'));
}
std::string DataRow(size_t bytes) {
  return Msg('D', std::string("\0\x01", 2) + Be32(static_cast<uint32_t>(bytes)) +
                      std::string(bytes, 'x'));
}
std::string Startup() {
  std::string body = Be32(196608) + Str("user") + Str("app") + std::string(1, '\0');
  return Be32(static_cast<uint32_t>(body.size() + 4)) + body;
}
std::string SslRequest() { return Be32(8) + Be32(80877103); }

TEST(StreamTest, StartupWithSslRefusedThenSimpleQuery) {
  Conversation c;
  c.Requests(SslRequest());
  c.Responses("N");
  c.Requests(Startup());
  c.Responses(Msg('R', Be32(0)) + Msg('S', Str("server_version") + Str("15")) +
              Msg('K', Be32(1) + Be32(2)) + Ready());
  uint64_t start = c.last_ts() + 1000;
  c.Requests(Query("select 1"));
  c.Responses(Msg('T', std::string(2, '\0')) + DataRow(1) + Complete("SELECT 1") + Ready());
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].sql, "select 1");
  EXPECT_EQ(c.results()[0].start_ns, start);
  EXPECT_EQ(c.results()[0].end_ns, c.last_ts());
  EXPECT_FALSE(c.results()[0].extended);
}

TEST(StreamTest, SslAcceptedStopsParsing) {
  Conversation c;
  c.Requests(SslRequest());
  c.Responses("S");
  c.Requests("\x16\x03\x01 random tls bytes");
  EXPECT_TRUE(c.stream().encrypted());
  EXPECT_TRUE(c.stream().stats().encrypted);
  EXPECT_TRUE(c.results().empty());
}

TEST(StreamTest, PipelinedExecutesEndAtTheirOwnCompletionAndSkipAfterError) {
  Conversation c;
  c.Requests(Parse("a", "select 1") + Bind("", "a") + Execute("") + Parse("", "select 2") +
             Bind("", "") + Execute("") + Parse("", "select * from nope") + Bind("", "") +
             Execute("") + Bind("", "a") + Execute("") + Sync());
  c.Responses(Msg('1', "") + Msg('2', "") + Complete("SELECT 1"));
  uint64_t first_end = c.last_ts();
  c.Responses(Msg('1', "") + Msg('2', "") + Complete("SELECT 1"));
  c.Responses(Error("42P01") + Ready());
  const auto& q = c.results();
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].sql, "select 1");
  EXPECT_TRUE(q[0].prepared);
  EXPECT_EQ(q[0].end_ns, first_end);
  EXPECT_EQ(q[1].sql, "select 2");
  EXPECT_FALSE(q[1].prepared);
  EXPECT_EQ(q[2].sql, "select * from nope");
  EXPECT_EQ(q[2].error_code, "42P01");
  EXPECT_EQ(c.stream().stats().skipped_after_error, 1u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, NamedStatementIsRememberedAcrossBatchesAndClosed) {
  Conversation c;
  c.Requests(Parse("s1", "update t set a = $1") + Sync());
  c.Responses(Msg('1', "") + Ready());
  for (int i = 0; i < 3; ++i) {
    c.Requests(Bind("", "s1") + Execute("") + Sync());
    c.Responses(Msg('2', "") + Complete("UPDATE 1") + Ready('T'));
  }
  c.Requests(Msg('C', "S" + Str("s1")) + Bind("", "s1") + Execute("") + Sync());
  c.Responses(Msg('3', "") + Error("26000") + Ready());
  const auto& q = c.results();
  ASSERT_EQ(q.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q[i].sql, "update t set a = $1");
  EXPECT_TRUE(q[3].sql.empty());
  EXPECT_TRUE(q[3].sql_truncated);
  EXPECT_EQ(q[3].error_code, "26000");
  EXPECT_EQ(c.stream().stats().unknown_statements, 1u);
}

TEST(StreamTest, MultiStatementQueryIsOneQueryWithFirstError) {
  Conversation c;
  c.Requests(Query("select 1; select 1/0; select 3"));
  c.Responses(Complete("SELECT 1") + Error("22012") + Ready());
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].sql, "select 1; select 1/0; select 3");
  EXPECT_EQ(c.results()[0].error_code, "22012");
}

TEST(StreamTest, NoticesParameterStatusAndNotificationsAreNotReplies) {
  Conversation c;
  c.Requests(Query("listen x"));
  c.Responses(Msg('N', "SNOTICE" + std::string(1, '\0') + "C00000" + std::string(2, '\0')) +
              Msg('S', Str("a") + Str("b")) + Msg('A', Be32(1) + Str("x") + Str("")) +
              Complete("LISTEN") + Ready());
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].error_code, "");
}

TEST(StreamTest, CopyInAndOutDoNotDesync) {
  Conversation c;
  c.Requests(Query("copy t from stdin"));
  c.Responses(Msg('G', std::string(3, '\0')));
  c.Requests(Msg('d', "1\n2\n") + Msg('c', ""));
  c.Responses(Complete("COPY 2") + Ready());
  c.Requests(Query("copy t to stdout"));
  c.Responses(Msg('H', std::string(3, '\0')) + Msg('d', "1\n") + Msg('c', "") + Complete("COPY 1") +
              Ready());
  ASSERT_EQ(c.results().size(), 2u);
  EXPECT_EQ(c.stream().stats().resyncs, 0u);
}

// A 10 MB result of DataRows, read in 64 KiB syscalls of which only 256 bytes (and the 16-byte
// tail) are captured: the query still ends at the read holding ReadyForQuery.
TEST(StreamTest, LargeResultMostlyGapEndsOnTime) {
  std::string response = Msg('T', std::string(2, '\0'));
  while (response.size() < 10 * 1024 * 1024) response += DataRow(1000 + response.size() % 7);
  response += Complete("SELECT 10000") + Ready();
  Conversation c;
  c.Requests(Query("select big"));
  for (size_t at = 0; at < response.size(); at += 65536) {
    auto seg = Capture(std::string_view(response).substr(at, 65536), 256, true, c.NextTs());
    c.Responses(seg);
  }
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].end_ns, c.last_ts());
  EXPECT_EQ(c.stream().pending(), 0u);
  // The same with the framing lost: every read cuts a DataRow header into the gap.
  Conversation lost;
  lost.Requests(Query("select big"));
  for (size_t at = 0; at < response.size(); at += 65536) {
    auto seg = Capture(std::string_view(response).substr(at, 65536), 3, true, lost.NextTs());
    lost.Responses(seg);
  }
  ASSERT_EQ(lost.results().size(), 1u);
  EXPECT_EQ(lost.results()[0].end_ns, lost.last_ts());
}

TEST(StreamTest, LongSqlIsTruncatedAndBounded) {
  Conversation c;
  std::string sql = "select '" + std::string(100000, 'a') + "'";
  c.Requests(Capture(Query(sql), 1024, true, c.NextTs()));
  c.Responses(Complete("SELECT 1") + Ready());
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_TRUE(c.results()[0].sql_truncated);
  EXPECT_EQ(c.results()[0].sql, sql.substr(0, 1024 - 5));
  Conversation whole;
  whole.Requests(Query(sql));
  whole.Responses(Complete("SELECT 1") + Ready());
  ASSERT_EQ(whole.results().size(), 1u);
  EXPECT_EQ(whole.results()[0].sql.size(), kMaxSqlBytes);
  EXPECT_TRUE(whole.results()[0].sql_truncated);
}

TEST(StreamTest, StatementMapIsBounded) {
  Conversation c;
  for (size_t i = 0; i < kMaxStatements + 10; ++i) {
    c.Requests(Parse("s" + std::to_string(i), "select " + std::to_string(i)) + Sync());
    c.Responses(Msg('1', "") + Ready());
  }
  EXPECT_LE(c.stream().statements(), kMaxStatements + 1);
  EXPECT_EQ(c.stream().stats().evicted_statements, 10u);
  c.Requests(Bind("", "s0") + Execute("") + Bind("", "s1000") + Execute("") + Sync());
  c.Responses(Complete("SELECT 1") + Complete("SELECT 1") + Ready());
  ASSERT_EQ(c.results().size(), 2u);
  EXPECT_EQ(c.results()[0].sql, "");
  EXPECT_EQ(c.results()[1].sql, "select 1000");
}

TEST(StreamTest, PendingRequestsAreBounded) {
  Conversation c;
  for (size_t i = 0; i < kMaxPending + 5; ++i) c.Requests(Query("select 1"));
  EXPECT_EQ(c.stream().pending(), kMaxPending);
  EXPECT_EQ(c.stream().stats().evicted_requests, 5u);
}

TEST(StreamTest, AttachedMidConnectionParsesTypedMessages) {
  Conversation c;
  c.Requests(Query("select 7"));
  c.Responses(Complete("SELECT 1") + Ready());
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].sql, "select 7");
}

TEST(StreamTest, GarbageLosesSyncAndTheNextPlausibleSegmentResyncs) {
  Conversation c;
  c.Requests(Query("select 1"));
  c.Responses("garbage that is not postgres");
  c.Responses(Complete("SELECT 1") + Ready());
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.stream().stats().resyncs, 1u);
}

std::string Fatal(std::string_view code) {
  return Msg('E', "SFATAL" + std::string(1, '\0') + "VFATAL" + std::string(1, '\0') + "C" +
                      Str(code) + "Mbye" + std::string(2, '\0'));
}

// The server closes after a FATAL (no ReadyForQuery): the close ends the query that got it. What
// else was waiting at the close never got an answer and is lost.
TEST(StreamTest, CloseEndsTheQueryAFatalAnsweredAndLosesTheRest) {
  Conversation c;
  c.Requests(Query("select pg_sleep(10)") + Query("select 2"));
  uint64_t start = c.last_ts();
  c.Responses(Fatal("57P01"));
  uint64_t fatal = c.last_ts();
  EXPECT_TRUE(c.results().empty());
  c.stream().OnClose();
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].sql, "select pg_sleep(10)");
  EXPECT_EQ(c.results()[0].error_code, "57P01");
  EXPECT_EQ(c.results()[0].start_ns, start);
  EXPECT_EQ(c.results()[0].end_ns, fatal);
  EXPECT_EQ(c.stream().stats().lost_responses, 1u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

// A FATAL with nothing asked is the server ending the connection, not a response.
TEST(StreamTest, FatalDuringAuthenticationIsNotUnmatched) {
  Conversation c;
  c.Requests(Startup());
  c.Responses(Fatal("28P01"));
  c.stream().OnClose();
  EXPECT_TRUE(c.results().empty());
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
  EXPECT_EQ(c.stream().stats().lost_responses, 0u);
}

// A failed prepare is reported when the client's next request arrives: at its end, it was the
// failed Parse's ErrorResponse.
TEST(StreamTest, FailedPrepareEndsAtItsError) {
  Conversation c;
  c.Requests(Parse("s1", "selec 1") + Msg('D', "S" + Str("s1")) + Sync());
  uint64_t start = c.last_ts();
  c.Responses(Error("42601"));
  uint64_t end = c.last_ts();
  c.Responses(Ready());
  c.Requests(Query("select 1"));
  c.Responses(Complete("SELECT 1") + Ready());
  ASSERT_EQ(c.results().size(), 2u);
  EXPECT_EQ(c.results()[0].sql, "selec 1");
  EXPECT_EQ(c.results()[0].error_code, "42601");
  EXPECT_TRUE(c.results()[0].prepared);
  EXPECT_TRUE(c.results()[0].extended);
  EXPECT_EQ(c.results()[0].start_ns, start);
  EXPECT_EQ(c.results()[0].end_ns, end);
  EXPECT_EQ(c.results()[1].sql, "select 1");
}

}  // namespace
}  // namespace hostlens::protocols::postgres
