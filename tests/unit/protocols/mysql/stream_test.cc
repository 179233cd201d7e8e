// Stream behaviour on hand-built conversations: CLIENT_DEPRECATE_EOF on, off and unknown,
// errors, prepared statements, multiple results, large results mostly uncaptured, TLS, bounds.

#include "agent/protocols/mysql/stream.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "agent/protocols/mysql/limits.h"
#include "tests/unit/protocols/mysql/segments.h"
#include "tests/unit/protocols/mysql/wire.h"

namespace hostlens::protocols::mysql {
namespace {

using namespace test_util;

void Handshake(Conversation* c, bool deprecate_eof) {
  uint32_t caps = kBaseCaps | (deprecate_eof ? kClientDeprecateEof : 0);
  c->Server(Greeting(kBaseCaps | kClientDeprecateEof));
  c->Client(HandshakeResponse(caps));
  c->Server(Ok(2));
}

// A two-column, `rows`-row text result set, each packet in a segment of its own.
void ResultSet(Conversation* c, bool deprecate_eof, int rows) {
  uint8_t seq = 1;
  c->Server(ColumnCount(seq++, 2));
  c->Server(ColumnDef(seq++, "a"));
  c->Server(ColumnDef(seq++, "b"));
  if (!deprecate_eof) c->Server(Eof(seq++));
  for (int i = 0; i < rows; ++i) c->Server(TextRow(seq++, "row"));
  c->Server(deprecate_eof ? OkFe(seq) : Eof(seq));
}

class EofModeTest : public testing::TestWithParam<int> {
 protected:
  // 0: CLIENT_DEPRECATE_EOF off, 1: on, 2: on but attached after the handshake.
  bool deprecate() const { return GetParam() != 0; }
  void Start(Conversation* c) {
    if (GetParam() != 2) Handshake(c, deprecate());
  }
};

TEST_P(EofModeTest, ResultSetEndsAtItsLastPacket) {
  Conversation c;
  Start(&c);
  c.Client(Command(kComQuery, "select a, b from t"));
  uint64_t start = c.last_ts();
  ResultSet(&c, deprecate(), 3);
  ASSERT_EQ(c.queries().size(), 1u);
  const Query& q = c.queries()[0];
  EXPECT_EQ(q.sql, "select a, b from t");
  EXPECT_FALSE(q.sql_truncated);
  EXPECT_EQ(q.error_code, "");
  EXPECT_FALSE(q.prepared);
  EXPECT_EQ(q.start_ns, start);
  EXPECT_EQ(q.end_ns, c.last_ts());
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST_P(EofModeTest, EmptyResultSetEnds) {
  Conversation c;
  Start(&c);
  c.Client(Command(kComQuery, "select a, b from t where 0"));
  ResultSet(&c, deprecate(), 0);
  ASSERT_EQ(c.queries().size(), 1u);
  EXPECT_EQ(c.queries()[0].end_ns, c.last_ts());
  c.Client(Command(kComQuery, "select 1"));
  ResultSet(&c, deprecate(), 1);
  ASSERT_EQ(c.queries().size(), 2u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

TEST_P(EofModeTest, PreparedStatementsCarryTheirSql) {
  Conversation c;
  Start(&c);
  c.Client(Command(kComStmtPrepare, "select a, b from t where a = ? and b = ?"));
  std::string reply = PrepareOk(1, 5, 2, 2) + ColumnDef(2, "?") + ColumnDef(3, "?");
  uint8_t seq = 4;
  if (!deprecate()) reply += Eof(seq++);
  reply += ColumnDef(seq, "a");
  reply += ColumnDef(seq + 1, "b");
  seq += 2;
  if (!deprecate()) reply += Eof(seq);
  c.Server(reply);
  EXPECT_TRUE(c.queries().empty());  // a prepare is not a query
  EXPECT_EQ(c.stream().pending(), 0u);
  for (int i = 0; i < 2; ++i) {
    c.Client(Execute(5));
    ResultSet(&c, deprecate(), 2);
  }
  c.Client(Command(kComStmtClose, Le(5, 4)));
  c.Client(Command(kComPing, ""));
  c.Server(Ok(1));
  ASSERT_EQ(c.queries().size(), 2u);
  for (const Query& q : c.queries()) {
    EXPECT_EQ(q.sql, "select a, b from t where a = ? and b = ?");
    EXPECT_TRUE(q.prepared);
    EXPECT_FALSE(q.sql_truncated);
  }
  EXPECT_EQ(c.stream().statements(), 0u);
  EXPECT_EQ(c.stream().pending(), 0u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
  c.Client(Execute(5));  // closed
  c.Server(Ok(1));
  ASSERT_EQ(c.queries().size(), 3u);
  EXPECT_TRUE(c.queries()[2].sql_truncated);
  EXPECT_EQ(c.stream().stats().unknown_statements, 1u);
}

TEST_P(EofModeTest, PrepareWithParametersOnly) {
  Conversation c;
  Start(&c);
  c.Client(Command(kComStmtPrepare, "insert into t values (?)"));
  std::string reply = PrepareOk(1, 9, 0, 1) + ColumnDef(2, "?");
  if (!deprecate()) reply += Eof(3);
  c.Server(reply);
  c.Client(Execute(9));
  c.Server(Ok(1));
  ASSERT_EQ(c.queries().size(), 1u);
  EXPECT_EQ(c.queries()[0].sql, "insert into t values (?)");
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, EofModeTest, testing::Values(0, 1, 2),
                         [](const testing::TestParamInfo<int>& info) {
                           return std::string(info.param == 0   ? "DeprecateEofOff"
                                              : info.param == 1 ? "DeprecateEofOn"
                                                                : "AttachedMidConnection");
                         });

TEST(StreamTest, HandshakeTracksDeprecateEof) {
  Conversation off;
  Handshake(&off, false);
  EXPECT_EQ(off.stream().deprecate_eof(), Matcher::DeprecateEof::kOff);
  Conversation on;
  Handshake(&on, true);
  EXPECT_EQ(on.stream().deprecate_eof(), Matcher::DeprecateEof::kOn);
  EXPECT_TRUE(on.queries().empty());
  EXPECT_EQ(on.stream().stats().unmatched_responses, 0u);
}

TEST(StreamTest, AuthSwitchIsPartOfTheHandshake) {
  Conversation c;
  c.Server(Greeting(kBaseCaps));
  c.Client(HandshakeResponse(kBaseCaps));
  c.Server(Wire(2, std::string("\xfe") + "mysql_native_password" + '\0' + "0123456789abcdefghij"));
  c.Client(Wire(3, std::string(20, 'x')));
  c.Server(Ok(4));
  c.Client(Command(kComQuery, "select 1"));
  c.Server(Ok(1));
  ASSERT_EQ(c.queries().size(), 1u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

TEST(StreamTest, ErrorsCarryTheirCode) {
  Conversation c;
  Handshake(&c, true);
  c.Client(Command(kComQuery, "select * from missing"));
  c.Server(Err(1, 1146));
  c.Client(Command(kComQuery, "select 1/0 from t"));
  c.Server(ColumnCount(1, 1) + ColumnDef(2, "x") + TextRow(3, "1"));
  c.Server(Err(4, 1365, "22012"));  // an error in the middle of the rows
  c.Client(Command(kComStmtPrepare, "select * from missing where a = ?"));
  c.Server(Err(1, 1146));
  ASSERT_EQ(c.queries().size(), 3u);
  EXPECT_EQ(c.queries()[0].error_code, "1146");
  EXPECT_EQ(c.queries()[1].error_code, "1365");
  EXPECT_EQ(c.queries()[2].error_code, "1146");
  EXPECT_TRUE(c.queries()[2].prepared);  // a failed prepare is reported
  EXPECT_EQ(c.queries()[2].sql, "select * from missing where a = ?");
}

TEST(StreamTest, MultipleResultsAreOneQuery) {
  Conversation c;
  Handshake(&c, false);
  c.Client(Command(kComQuery, "select 1; update t set a = 1; select 2"));
  c.Server(ColumnCount(1, 1) + ColumnDef(2, "1") + Eof(3) + TextRow(4, "1") +
           Eof(5, 2 | kServerMoreResultsExist));
  c.Server(Ok(6, 2 | kServerMoreResultsExist));
  EXPECT_TRUE(c.queries().empty());
  c.Server(ColumnCount(7, 1) + ColumnDef(8, "2") + Eof(9) + TextRow(10, "2") + Eof(11));
  ASSERT_EQ(c.queries().size(), 1u);
  EXPECT_EQ(c.queries()[0].end_ns, c.last_ts());
}

TEST(StreamTest, PingInitDbAndQuitAreNotQueries) {
  Conversation c;
  Handshake(&c, true);
  c.Client(Command(kComPing, ""));
  c.Server(Ok(1));
  c.Client(Command(kComInitDb, "test"));
  c.Server(Ok(1));
  c.Client(Command(kComQuit, ""));
  EXPECT_TRUE(c.queries().empty());
  EXPECT_EQ(c.stream().pending(), 0u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

TEST(StreamTest, PipelinedPrepareAndExecuteOfTheLastStatement) {
  Conversation c;
  Handshake(&c, true);
  c.Client(Command(kComStmtPrepare, "select ?") + Execute(kLastPreparedStatement));
  c.Server(PrepareOk(1, 3, 1, 1) + ColumnDef(2, "?") + ColumnDef(3, "?"));
  c.Server(ColumnCount(1, 1) + ColumnDef(2, "?") + TextRow(3, "1") + OkFe(4));
  ASSERT_EQ(c.queries().size(), 1u);
  EXPECT_EQ(c.queries()[0].sql, "select ?");
  EXPECT_EQ(c.stream().stats().unknown_statements, 0u);
}

// 2000 rows in 64 KiB reads of which the kernel keeps 256 bytes and the last 16: the query ends
// at the read whose captured tail holds the final packet.
std::string LargeReply(bool deprecate_eof, int rows) {
  std::string reply = ColumnCount(1, 1) + ColumnDef(2, "b");
  uint8_t seq = 3;
  if (!deprecate_eof) reply += Eof(seq++);
  for (int i = 0; i < rows; ++i) reply += TextRow(seq++, std::string(150, 'x'));
  reply += deprecate_eof ? OkFe(seq) : Eof(seq);
  return reply;
}

TEST(StreamTest, LargeResultEndsAtTheCapturedTail) {
  for (bool deprecate : {false, true}) {
    Conversation c;
    Handshake(&c, deprecate);
    c.Client(Command(kComQuery, "select b from big"));
    std::string reply = LargeReply(deprecate, 2000);
    for (size_t at = 0; at < reply.size(); at += 65536) {
      c.Server(Capture(std::string_view(reply).substr(at, 65536), 256, true, c.NextTs()));
    }
    ASSERT_EQ(c.queries().size(), 1u);
    EXPECT_EQ(c.queries()[0].end_ns, c.last_ts());
    EXPECT_TRUE(c.queries()[0].inferred_end);
    EXPECT_EQ(c.stream().stats().tail_recoveries, 1u);
    // Framing is back: the next query is parsed normally.
    c.Client(Command(kComQuery, "select 1"));
    c.Server(ColumnCount(1, 1) + ColumnDef(2, "1") + (deprecate ? "" : Eof(3)) +
             TextRow(deprecate ? 3 : 4, "1") + (deprecate ? OkFe(4) : Eof(5)));
    ASSERT_EQ(c.queries().size(), 2u);
    EXPECT_FALSE(c.queries()[1].inferred_end);
    EXPECT_EQ(c.queries()[1].end_ns, c.last_ts());
  }
}

TEST(StreamTest, LostReplyEndsAtTheNextCommand) {
  Conversation c;
  Handshake(&c, true);
  c.Client(Command(kComQuery, "select b from big"));
  std::string reply = LargeReply(true, 2000);
  for (size_t at = 0; at < reply.size(); at += 65536) {
    c.Server(Capture(std::string_view(reply).substr(at, 65536), 256, false, c.NextTs()));
  }
  uint64_t end = c.last_ts();
  EXPECT_TRUE(c.queries().empty());
  c.Client(Command(kComQuery, "select 2"));
  c.Server(Ok(1));
  ASSERT_EQ(c.queries().size(), 2u);
  EXPECT_EQ(c.queries()[0].end_ns, end);
  EXPECT_TRUE(c.queries()[0].inferred_end);
  EXPECT_EQ(c.queries()[1].sql, "select 2");
  EXPECT_EQ(c.queries()[1].end_ns, c.last_ts());
  EXPECT_EQ(c.stream().stats().lost_responses, 1u);
}

TEST(StreamTest, LongSqlIsCutAndMarked) {
  Conversation c;
  std::string sql = "select '" + std::string(10000, 'y') + "'";
  c.Client(Capture(Command(kComQuery, sql), 300, true, c.NextTs()));
  c.Server(Ok(1));
  ASSERT_EQ(c.queries().size(), 1u);
  EXPECT_TRUE(c.queries()[0].sql_truncated);
  EXPECT_EQ(c.queries()[0].sql, sql.substr(0, 295));
  Conversation whole;
  whole.Client(Command(kComQuery, sql));
  whole.Server(Ok(1));
  ASSERT_EQ(whole.queries().size(), 1u);
  EXPECT_TRUE(whole.queries()[0].sql_truncated);
  EXPECT_EQ(whole.queries()[0].sql.size(), kMaxSqlBytes);
}

TEST(StreamTest, SslRequestStopsParsing) {
  Conversation c;
  c.Server(Greeting(kBaseCaps | kClientSsl));
  c.Client(SslRequest(kBaseCaps));
  EXPECT_TRUE(c.stream().encrypted());
  c.Client(Command(kComQuery, "select 1"));
  c.Server(Ok(1));
  EXPECT_TRUE(c.queries().empty());
  EXPECT_TRUE(c.stream().stats().encrypted);
}

TEST(StreamTest, StatementMapIsBounded) {
  Conversation c;
  Handshake(&c, true);
  for (uint32_t id = 1; id <= kMaxStatements + 10; ++id) {
    c.Client(Command(kComStmtPrepare, "select " + std::to_string(id)));
    c.Server(PrepareOk(1, id, 0, 0));
  }
  EXPECT_EQ(c.stream().statements(), kMaxStatements);
  EXPECT_EQ(c.stream().stats().evicted_statements, 10u);
  c.Client(Execute(kMaxStatements + 10));
  c.Server(Ok(1));
  ASSERT_EQ(c.queries().size(), 1u);
  EXPECT_EQ(c.queries()[0].sql, "select " + std::to_string(kMaxStatements + 10));
}

TEST(StreamTest, PendingCommandsAreBounded) {
  Conversation c;
  for (size_t i = 0; i < kMaxPending + 5; ++i) c.Client(Command(kComQuery, "select 1"));
  EXPECT_EQ(c.stream().pending(), kMaxPending);
  EXPECT_EQ(c.stream().stats().evicted_requests, 5u);
}

TEST(StreamTest, ServerPacketsWithoutCommandAreCounted) {
  Conversation c;
  c.Client(Command(kComPing, ""));
  c.Server(Ok(1) + Ok(2));
  EXPECT_EQ(c.stream().stats().unmatched_responses, 1u);
}

}  // namespace
}  // namespace hostlens::protocols::mysql
