// Stream behaviour on hand-built conversations: CLIENT_DEPRECATE_EOF on, off and unknown,
// errors, prepared statements, multiple results, large results mostly uncaptured, TLS, bounds.

#include "agent/protocols/mysql/stream.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "agent/protocols/mysql/limits.h"
#include "tests/unit/protocols/mysql/wire.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::mysql {
namespace {

using namespace test_util;
using Conversation = test_util::Conversation<Stream, &Stream::TakeQueries>;

void Handshake(Conversation* c, bool deprecate_eof) {
  uint32_t caps = kBaseCaps | (deprecate_eof ? kClientDeprecateEof : 0);
  c->Responses(Greeting(kBaseCaps | kClientDeprecateEof));
  c->Requests(HandshakeResponse(caps));
  c->Responses(Ok(2));
}

// A two-column, `rows`-row text result set, each packet in a segment of its own.
void ResultSet(Conversation* c, bool deprecate_eof, int rows) {
  uint8_t seq = 1;
  c->Responses(ColumnCount(seq++, 2));
  c->Responses(ColumnDef(seq++, "a"));
  c->Responses(ColumnDef(seq++, "b"));
  if (!deprecate_eof) c->Responses(Eof(seq++));
  for (int i = 0; i < rows; ++i) c->Responses(TextRow(seq++, "row"));
  c->Responses(deprecate_eof ? OkFe(seq) : Eof(seq));
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
  c.Requests(Command(kComQuery, "select a, b from t"));
  uint64_t start = c.last_ts();
  ResultSet(&c, deprecate(), 3);
  ASSERT_EQ(c.results().size(), 1u);
  const Query& q = c.results()[0];
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
  c.Requests(Command(kComQuery, "select a, b from t where 0"));
  ResultSet(&c, deprecate(), 0);
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].end_ns, c.last_ts());
  c.Requests(Command(kComQuery, "select 1"));
  ResultSet(&c, deprecate(), 1);
  ASSERT_EQ(c.results().size(), 2u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

TEST_P(EofModeTest, PreparedStatementsCarryTheirSql) {
  Conversation c;
  Start(&c);
  c.Requests(Command(kComStmtPrepare, "select a, b from t where a = ? and b = ?"));
  std::string reply = PrepareOk(1, 5, 2, 2) + ColumnDef(2, "?") + ColumnDef(3, "?");
  uint8_t seq = 4;
  if (!deprecate()) reply += Eof(seq++);
  reply += ColumnDef(seq, "a");
  reply += ColumnDef(seq + 1, "b");
  seq += 2;
  if (!deprecate()) reply += Eof(seq);
  c.Responses(reply);
  EXPECT_TRUE(c.results().empty());  // a prepare is not a query
  EXPECT_EQ(c.stream().pending(), 0u);
  for (int i = 0; i < 2; ++i) {
    c.Requests(Execute(5));
    ResultSet(&c, deprecate(), 2);
  }
  c.Requests(Command(kComStmtClose, Le(5, 4)));
  c.Requests(Command(kComPing, ""));
  c.Responses(Ok(1));
  ASSERT_EQ(c.results().size(), 2u);
  for (const Query& q : c.results()) {
    EXPECT_EQ(q.sql, "select a, b from t where a = ? and b = ?");
    EXPECT_TRUE(q.prepared);
    EXPECT_FALSE(q.sql_truncated);
  }
  EXPECT_EQ(c.stream().statements(), 0u);
  EXPECT_EQ(c.stream().pending(), 0u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
  c.Requests(Execute(5));  // closed
  c.Responses(Ok(1));
  ASSERT_EQ(c.results().size(), 3u);
  EXPECT_TRUE(c.results()[2].sql_truncated);
  EXPECT_EQ(c.stream().stats().unknown_statements, 1u);
}

TEST_P(EofModeTest, PrepareWithParametersOnly) {
  Conversation c;
  Start(&c);
  c.Requests(Command(kComStmtPrepare, "insert into t values (?)"));
  std::string reply = PrepareOk(1, 9, 0, 1) + ColumnDef(2, "?");
  if (!deprecate()) reply += Eof(3);
  c.Responses(reply);
  c.Requests(Execute(9));
  c.Responses(Ok(1));
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].sql, "insert into t values (?)");
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

// libmariadb asks for MARIADB_CLIENT_CACHE_METADATA: a column count packet then carries a
// "metadata follows" byte, and a COM_STMT_EXECUTE's result set comes without column definitions
// (byte 0): count, [EOF], binary rows (starting with 0x00, like an OK), EOF / OK.
TEST_P(EofModeTest, ExecuteWithCachedMetadataHasNoColumnDefinitions) {
  Conversation c;
  Start(&c);
  c.Requests(Command(kComStmtPrepare, "select a, b from t where a = ?"));
  std::string reply = PrepareOk(1, 7, 2, 1) + ColumnDef(2, "?");
  uint8_t seq = 3;
  if (!deprecate()) reply += Eof(seq++);
  reply += ColumnDef(seq, "a") + ColumnDef(seq + 1, "b");
  seq += 2;
  if (!deprecate()) reply += Eof(seq);
  c.Responses(reply);
  const std::string binary_row("\x00\x00\x05hello\x04\x00\x00\x00", 11);  // 0x00, null map, a, b
  for (int rows = 0; rows < 3; ++rows) {
    c.Requests(Execute(7));
    seq = 1;
    c.Responses(Wire(seq++, std::string("\x02\x00", 2)));  // 2 columns, no definitions
    if (!deprecate()) c.Responses(Eof(seq++));
    for (int i = 0; i < rows; ++i) c.Responses(Wire(seq++, binary_row));
    c.Responses(deprecate() ? OkFe(seq) : Eof(seq));
    ASSERT_EQ(c.results().size(), static_cast<size_t>(rows + 1));
    EXPECT_EQ(c.results().back().end_ns, c.last_ts());
  }
  // A COM_QUERY's result set: the byte is 1 and the definitions follow.
  c.Requests(Command(kComQuery, "select a, b from t"));
  seq = 1;
  c.Responses(Wire(seq++, std::string("\x02\x01", 2)));
  c.Responses(ColumnDef(seq++, "a"));
  c.Responses(ColumnDef(seq++, "b"));
  if (!deprecate()) c.Responses(Eof(seq++));
  c.Responses(TextRow(seq++, "row"));
  c.Responses(deprecate() ? OkFe(seq) : Eof(seq));
  c.Requests(Command(kComQuery, "select * from missing"));
  c.Responses(Err(1, 1146));
  ASSERT_EQ(c.results().size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.results()[i].sql, "select a, b from t where a = ?");
    EXPECT_EQ(c.results()[i].error_code, "");
  }
  EXPECT_EQ(c.results()[3].sql, "select a, b from t");
  EXPECT_EQ(c.results()[4].error_code, "1146");
  EXPECT_EQ(c.stream().pending(), 0u);
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
  EXPECT_TRUE(on.results().empty());
  EXPECT_EQ(on.stream().stats().unmatched_responses, 0u);
}

TEST(StreamTest, AuthSwitchIsPartOfTheHandshake) {
  Conversation c;
  c.Responses(Greeting(kBaseCaps));
  c.Requests(HandshakeResponse(kBaseCaps));
  c.Responses(
      Wire(2, std::string("\xfe") + "mysql_native_password" + '\0' + "0123456789abcdefghij"));
  c.Requests(Wire(3, std::string(20, 'x')));
  c.Responses(Ok(4));
  c.Requests(Command(kComQuery, "select 1"));
  c.Responses(Ok(1));
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

TEST(StreamTest, ErrorsCarryTheirCode) {
  Conversation c;
  Handshake(&c, true);
  c.Requests(Command(kComQuery, "select * from missing"));
  c.Responses(Err(1, 1146));
  c.Requests(Command(kComQuery, "select 1/0 from t"));
  c.Responses(ColumnCount(1, 1) + ColumnDef(2, "x") + TextRow(3, "1"));
  c.Responses(Err(4, 1365, "22012"));  // an error in the middle of the rows
  c.Requests(Command(kComStmtPrepare, "select * from missing where a = ?"));
  c.Responses(Err(1, 1146));
  ASSERT_EQ(c.results().size(), 3u);
  EXPECT_EQ(c.results()[0].error_code, "1146");
  EXPECT_EQ(c.results()[1].error_code, "1365");
  EXPECT_EQ(c.results()[2].error_code, "1146");
  EXPECT_TRUE(c.results()[2].prepared);  // a failed prepare is reported
  EXPECT_EQ(c.results()[2].sql, "select * from missing where a = ?");
}

TEST(StreamTest, MultipleResultsAreOneQuery) {
  Conversation c;
  Handshake(&c, false);
  c.Requests(Command(kComQuery, "select 1; update t set a = 1; select 2"));
  c.Responses(ColumnCount(1, 1) + ColumnDef(2, "1") + Eof(3) + TextRow(4, "1") +
              Eof(5, 2 | kServerMoreResultsExist));
  c.Responses(Ok(6, 2 | kServerMoreResultsExist));
  EXPECT_TRUE(c.results().empty());
  c.Responses(ColumnCount(7, 1) + ColumnDef(8, "2") + Eof(9) + TextRow(10, "2") + Eof(11));
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].end_ns, c.last_ts());
}

TEST(StreamTest, PingInitDbAndQuitAreNotQueries) {
  Conversation c;
  Handshake(&c, true);
  c.Requests(Command(kComPing, ""));
  c.Responses(Ok(1));
  c.Requests(Command(kComInitDb, "test"));
  c.Responses(Ok(1));
  c.Requests(Command(kComQuit, ""));
  EXPECT_TRUE(c.results().empty());
  EXPECT_EQ(c.stream().pending(), 0u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

TEST(StreamTest, PipelinedPrepareAndExecuteOfTheLastStatement) {
  Conversation c;
  Handshake(&c, true);
  c.Requests(Command(kComStmtPrepare, "select ?") + Execute(kLastPreparedStatement));
  c.Responses(PrepareOk(1, 3, 1, 1) + ColumnDef(2, "?") + ColumnDef(3, "?"));
  c.Responses(ColumnCount(1, 1) + ColumnDef(2, "?") + TextRow(3, "1") + OkFe(4));
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].sql, "select ?");
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
    c.Requests(Command(kComQuery, "select b from big"));
    std::string reply = LargeReply(deprecate, 2000);
    for (size_t at = 0; at < reply.size(); at += 65536) {
      c.Responses(Capture(std::string_view(reply).substr(at, 65536), 256, true, c.NextTs()));
    }
    ASSERT_EQ(c.results().size(), 1u);
    EXPECT_EQ(c.results()[0].end_ns, c.last_ts());
    EXPECT_TRUE(c.results()[0].inferred_end);
    EXPECT_EQ(c.stream().stats().tail_recoveries, 1u);
    // Framing is back: the next query is parsed normally.
    c.Requests(Command(kComQuery, "select 1"));
    c.Responses(ColumnCount(1, 1) + ColumnDef(2, "1") + (deprecate ? "" : Eof(3)) +
                TextRow(deprecate ? 3 : 4, "1") + (deprecate ? OkFe(4) : Eof(5)));
    ASSERT_EQ(c.results().size(), 2u);
    EXPECT_FALSE(c.results()[1].inferred_end);
    EXPECT_EQ(c.results()[1].end_ns, c.last_ts());
  }
}

TEST(StreamTest, LostReplyEndsAtTheNextCommand) {
  Conversation c;
  Handshake(&c, true);
  c.Requests(Command(kComQuery, "select b from big"));
  std::string reply = LargeReply(true, 2000);
  for (size_t at = 0; at < reply.size(); at += 65536) {
    c.Responses(Capture(std::string_view(reply).substr(at, 65536), 256, false, c.NextTs()));
  }
  uint64_t end = c.last_ts();
  EXPECT_TRUE(c.results().empty());
  c.Requests(Command(kComQuery, "select 2"));
  c.Responses(Ok(1));
  ASSERT_EQ(c.results().size(), 2u);
  EXPECT_EQ(c.results()[0].end_ns, end);
  EXPECT_TRUE(c.results()[0].inferred_end);
  EXPECT_EQ(c.results()[1].sql, "select 2");
  EXPECT_EQ(c.results()[1].end_ns, c.last_ts());
  EXPECT_EQ(c.stream().stats().lost_responses, 1u);
}

TEST(StreamTest, LongSqlIsCutAndMarked) {
  Conversation c;
  std::string sql = "select '" + std::string(10000, 'y') + "'";
  c.Requests(Capture(Command(kComQuery, sql), 300, true, c.NextTs()));
  c.Responses(Ok(1));
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_TRUE(c.results()[0].sql_truncated);
  EXPECT_EQ(c.results()[0].sql, sql.substr(0, 295));
  Conversation whole;
  whole.Requests(Command(kComQuery, sql));
  whole.Responses(Ok(1));
  ASSERT_EQ(whole.results().size(), 1u);
  EXPECT_TRUE(whole.results()[0].sql_truncated);
  EXPECT_EQ(whole.results()[0].sql.size(), kMaxSqlBytes);
}

TEST(StreamTest, SslRequestStopsParsing) {
  Conversation c;
  c.Responses(Greeting(kBaseCaps | kClientSsl));
  c.Requests(SslRequest(kBaseCaps));
  EXPECT_TRUE(c.stream().encrypted());
  c.Requests(Command(kComQuery, "select 1"));
  c.Responses(Ok(1));
  EXPECT_TRUE(c.results().empty());
  EXPECT_TRUE(c.stream().stats().encrypted);
}

// Inside TLS (the TLS probes' plaintext): no greeting, the handshake response has sequence id 2,
// and its flags with the greeting's decide CLIENT_DEPRECATE_EOF; a COM_CHANGE_USER's auth data
// (sequence id 2 as well) does not change them.
TEST(StreamTest, SslRequestThenTlsPlaintextParsesOn) {
  Conversation c;
  EXPECT_FALSE(c.stream().StartTls());  // nothing asked for TLS
  c.Responses(Greeting(kBaseCaps | kClientSsl | kClientDeprecateEof));
  c.Requests(SslRequest(kBaseCaps | kClientDeprecateEof));
  c.Requests(std::string_view("\x16\x03\x01\x00\x05hello", 10));  // ClientHello: not parsed
  ASSERT_TRUE(c.stream().StartTls());
  EXPECT_FALSE(c.stream().encrypted());
  c.Requests(Wire(2, HandshakeResponse(kBaseCaps | kClientDeprecateEof).substr(4)));
  c.Responses(Ok(3));
  EXPECT_EQ(c.stream().deprecate_eof(), Matcher::DeprecateEof::kOn);
  c.Requests(Command(kComQuery, "select a, b from t"));
  ResultSet(&c, true, 2);
  c.Requests(Command(kComChangeUser, std::string("u\0", 2)));
  c.Responses(Wire(1, std::string("\xfemysql_native_password\0", 23) + std::string(21, 's')));
  c.Requests(Wire(2, std::string(20, 'x')));
  c.Responses(Ok(3));
  EXPECT_EQ(c.stream().deprecate_eof(), Matcher::DeprecateEof::kOn);
  c.Requests(Command(kComQuery, "select 1"));
  ResultSet(&c, true, 1);
  ASSERT_EQ(c.results().size(), 2u);
  EXPECT_EQ(c.results()[0].sql, "select a, b from t");
  EXPECT_EQ(c.results()[1].sql, "select 1");
  EXPECT_EQ(c.results()[1].end_ns, c.last_ts());
  const StreamStats stats = c.stream().stats();
  EXPECT_FALSE(stats.encrypted);
  EXPECT_EQ(stats.resyncs, 0u);
  EXPECT_EQ(stats.unmatched_responses, 0u);
  EXPECT_EQ(stats.lost_responses, 0u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, StatementMapIsBounded) {
  Conversation c;
  Handshake(&c, true);
  for (uint32_t id = 1; id <= kMaxStatements + 10; ++id) {
    c.Requests(Command(kComStmtPrepare, "select " + std::to_string(id)));
    c.Responses(PrepareOk(1, id, 0, 0));
  }
  EXPECT_EQ(c.stream().statements(), kMaxStatements);
  EXPECT_EQ(c.stream().stats().evicted_statements, 10u);
  c.Requests(Execute(kMaxStatements + 10));
  c.Responses(Ok(1));
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].sql, "select " + std::to_string(kMaxStatements + 10));
}

TEST(StreamTest, PendingCommandsAreBounded) {
  Conversation c;
  for (size_t i = 0; i < kMaxPending + 5; ++i) c.Requests(Command(kComQuery, "select 1"));
  EXPECT_EQ(c.stream().pending(), kMaxPending);
  EXPECT_EQ(c.stream().stats().evicted_requests, 5u);
}

TEST(StreamTest, ServerPacketsWithoutCommandAreCounted) {
  Conversation c;
  c.Requests(Command(kComPing, ""));
  c.Responses(Ok(1) + Ok(2));
  EXPECT_EQ(c.stream().stats().unmatched_responses, 1u);
}

// LOCAL INFILE: the file's packets are not commands, whatever their sequence id; the empty
// packet ends them, and the server's OK ends the query.
TEST(StreamTest, LocalInfileDataIsNotACommandEvenAtSequenceIdZero) {
  Conversation c;
  Handshake(&c, false);
  c.Requests(Command(kComQuery, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t"));
  c.Responses(Wire(1, "\xfb" "f"));
  for (int seq = 2; seq < 258; ++seq) c.Requests(Wire(static_cast<uint8_t>(seq), "\x03row\n"));
  c.Requests(Wire(2, ""));
  c.Responses(Ok(3));
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].sql, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t");
  EXPECT_EQ(c.results()[0].error_code, "");
  EXPECT_EQ(c.stream().pending(), 0u);
  EXPECT_FALSE(c.stream().stats().unmatched_responses);
}

// The file's empty packet hidden in a capture gap: the server's answer still ends the file, and
// the next command is one.
TEST(StreamTest, LocalInfileEndsAtTheServersAnswerWithoutTheEmptyPacket) {
  Conversation c;
  Handshake(&c, false);
  c.Requests(Command(kComQuery, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t"));
  c.Responses(Wire(1, "\xfb" "f"));
  c.Requests(Wire(2, "\x03row\n"));
  c.Responses(Ok(4));
  c.Requests(Command(kComQuery, "select 1"));
  c.Responses(Ok(1));
  ASSERT_EQ(c.results().size(), 2u);
  EXPECT_EQ(c.results()[0].sql, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t");
  EXPECT_EQ(c.results()[1].sql, "select 1");
  EXPECT_EQ(c.stream().pending(), 0u);
  EXPECT_FALSE(c.stream().stats().unmatched_responses);
}

TEST(StreamTest, CloseLosesTheCommandsStillWaiting) {
  Conversation c;
  Handshake(&c, false);
  c.Requests(Command(kComQuery, "select sleep(10)"));
  c.Requests(Command(kComPing, ""));
  c.stream().OnClose();
  EXPECT_TRUE(c.results().empty());
  EXPECT_EQ(c.stream().stats().lost_responses, 2u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

}  // namespace
}  // namespace hostlens::protocols::mysql
