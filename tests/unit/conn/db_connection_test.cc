// Database and cache connections through the connection table: every real capture of
// tests/fixtures/{postgres,mysql,redis,memcached} replayed as the kernel's data events (head up
// to 4096 bytes, the last 16 bytes as tail, the rest a gap), on the client's side and on the
// server's.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <map>
#include <string>
#include <vector>

#include "agent/conn/connection_table.h"
#include "tests/unit/conn/db_capture.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::conn {
namespace {

using test_util::DbCapture;
using test_util::DefaultPort;
using test_util::LoadDbCapture;

constexpr size_t kCaptureBytes = 4096;  // --capture-bytes default
constexpr uint32_t kTgid = 10;
constexpr uint32_t kTid = 11;

struct FakeKernel : KernelConnections {
  void Ignore(uint32_t, int32_t fd, uint64_t) override { ignored.push_back(fd); }
  void Forget(uint32_t, int32_t fd) override { forgotten.push_back(fd); }
  std::vector<int32_t> ignored, forgotten;
};

// Everything the table reports about databases, per connection fd.
struct DbSink : ConnectionSink {
  void OnHttpExchange(const Connection&, const protocols::http1::Exchange&) override {
    ++http_exchanges;
  }
  void OnAccept(const Connection&, uint64_t) override {}
  void OnWebsocketOpen(const Connection&, const std::string&) override {}
  void OnWebsocketClose(const Connection&, const std::string&) override {}
  void OnDbConnectionOpen(Connection& conn) override {
    ++opened[conn.fd];
    systems[conn.fd] = conn.db->system();
    addresses[conn.fd] = conn.server_address;
    roles[conn.fd] = conn.role;
  }
  void OnDbConnectionClose(const Connection& conn) override {
    ++closed[conn.fd];
    operations_at_close[conn.fd] = operations[conn.fd].size();
  }
  void OnDbBytes(const Connection& conn, bool sent, uint64_t bytes) override {
    (sent ? sent_bytes : received_bytes)[conn.fd] += bytes;
  }
  void OnDbOperation(const Connection& conn, const DbOperation& op) override {
    operations[conn.fd].push_back(op);
    tids.push_back(conn.last_tid);
  }
  void OnHttpDetected(const Connection& conn) override { http_detected.push_back(conn.fd); }
  void OnProcessExit(uint32_t tgid) override { exited.push_back(tgid); }

  int http_exchanges = 0;
  std::map<int32_t, int> opened, closed;
  std::map<int32_t, size_t> operations_at_close;
  std::map<int32_t, DbSystem> systems;
  std::map<int32_t, std::string> addresses;
  std::map<int32_t, Role> roles;
  std::map<int32_t, uint64_t> sent_bytes, received_bytes;
  std::map<int32_t, std::vector<DbOperation>> operations;
  std::vector<uint32_t> tids;
  std::vector<int32_t> http_detected;
  std::vector<uint32_t> exited;
};

class DbConnectionTest : public ::testing::Test {
 protected:
  DbConnectionTest() : DbConnectionTest(DbStreamOptions{}) {}
  explicit DbConnectionTest(DbStreamOptions options)
      : table_([](uint32_t tgid) { return "svc" + std::to_string(tgid); }, kernel_, sink_, 64,
               options) {}

  void Open(int32_t fd, uint8_t role, uint16_t remote_port) {
    hl_conn_event e{};
    e.hdr.kind = HL_EV_CONN_OPEN;
    e.hdr.tgid = kTgid;
    e.hdr.ts_ns = 1;
    e.fd = fd;
    e.generation = 100 + fd;
    e.family = AF_INET;
    e.role = role;
    e.local_port = role == HL_ROLE_SERVER ? remote_port : 40000;
    e.remote_port = role == HL_ROLE_SERVER ? 40000 : remote_port;
    e.local_addr[0] = 127;
    e.local_addr[3] = 1;
    e.remote_addr[0] = 10;
    e.remote_addr[3] = 7;
    table_.OnOpen(e);
  }

  void Close(int32_t fd) {
    hl_conn_event e{};
    e.hdr.kind = HL_EV_CONN_CLOSE;
    e.hdr.tgid = kTgid;
    e.fd = fd;
    e.generation = 100 + fd;
    table_.OnClose(e);
  }

  // One syscall as the kernel reports it: the head (up to capture_bytes_), the last 16 bytes as
  // tail when they do not overlap the head, the full length.
  void Data(int32_t fd, uint8_t direction, std::string_view bytes, uint64_t ts_ns,
            uint32_t tid = kTid) {
    const auto segment = protocols::test_util::Capture(bytes, capture_bytes_, true, ts_ns);
    hl_data_event e{};
    e.hdr.kind = HL_EV_DATA;
    e.hdr.tgid = kTgid;
    e.hdr.tid = tid;
    e.hdr.ts_ns = ts_ns;
    e.syscall = syscall_;
    e.fd = fd;
    e.generation = 100 + fd;
    e.direction = direction;
    e.length = bytes.size();
    e.head_len = static_cast<uint16_t>(segment.head.view().size());
    e.tail_len = static_cast<uint16_t>(segment.tail.view().size());
    table_.OnData(e, segment.head.view(), segment.tail.view());
  }

  // The capture's records from `first` on: the client's written, the server's read; or, for the
  // server's side, the reverse.
  void Replay(int32_t fd, const DbCapture& capture, bool server_side = false, size_t first = 0) {
    for (size_t i = first; i < capture.records.size(); ++i) {
      const auto& r = capture.records[i];
      const bool egress = r.from_client != server_side;
      Data(fd, egress ? HL_DIR_EGRESS : HL_DIR_INGRESS, r.bytes, (i + 1) * 1000);
    }
  }

  size_t capture_bytes_ = kCaptureBytes;
  uint8_t syscall_ = 0;  // of the data events: HL_SYS_TLS for the TLS probes' plaintext
  FakeKernel kernel_;
  DbSink sink_;
  ConnectionTable table_;
};

void ExpectOperations(const DbCapture& capture, const std::vector<DbOperation>& got,
                      size_t first_expected = 0) {
  ASSERT_EQ(got.size(), capture.expected.size() - first_expected);
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& want = capture.expected[first_expected + i];
    const DbOperation& op = got[i];
    SCOPED_TRACE("operation " + std::to_string(first_expected + i) + ": " + want.operation + " " +
                 want.sql);
    EXPECT_EQ(op.system, capture.system);
    EXPECT_EQ(op.operation, want.operation);
    EXPECT_EQ(op.collection, want.collection);
    EXPECT_EQ(op.error_type, want.error_type);
    EXPECT_EQ(op.raw_sql, "");  // literals are not captured by default
    EXPECT_LE(op.start_ns, op.end_ns);
    if (IsCache(capture.system)) {
      EXPECT_EQ(op.statement, "");
      EXPECT_EQ(op.keys_looked_up, want.keys);
      EXPECT_EQ(op.hits, want.hits);
    } else {
      EXPECT_EQ(op.keys_looked_up, 0u);
    }
  }
}

struct CaptureName {
  std::string protocol;
  std::string name;
};

void PrintTo(const CaptureName& c, std::ostream* os) { *os << c.protocol << "/" << c.name; }

std::vector<CaptureName> AllCaptures() {
  std::vector<CaptureName> all;
  for (const char* protocol : {"postgres", "mysql", "redis", "memcached"}) {
    for (const auto& name : protocols::test_util::CaptureNames(protocol)) {
      all.push_back({protocol, name});
    }
  }
  return all;
}

class DbCaptureTest : public DbConnectionTest, public ::testing::WithParamInterface<CaptureName> {
 protected:
  void SetUp() override { capture_ = LoadDbCapture(GetParam().protocol, GetParam().name); }
  DbCapture capture_;
};

// Every syscall captured whole (a capture size past the largest record): exact.
TEST_P(DbCaptureTest, ClientSideYieldsEveryOperationAndEveryByte) {
  ASSERT_FALSE(capture_.expected.empty());
  capture_bytes_ = SIZE_MAX;
  Open(5, HL_ROLE_CLIENT, DefaultPort(capture_.system));
  Replay(5, capture_);
  ASSERT_EQ(sink_.opened[5], 1);
  EXPECT_EQ(sink_.systems[5], capture_.system);
  EXPECT_EQ(sink_.roles[5], Role::kClient);
  EXPECT_EQ(sink_.addresses[5], "10.0.0.7:" + std::to_string(DefaultPort(capture_.system)));
  ExpectOperations(capture_, sink_.operations[5]);
  EXPECT_EQ(sink_.sent_bytes[5], capture_.BytesFrom(true));
  EXPECT_EQ(sink_.received_bytes[5], capture_.BytesFrom(false));
  for (uint32_t tid : sink_.tids) EXPECT_EQ(tid, kTid);

  const auto& stats = table_.stats();
  EXPECT_EQ(stats.parse_resyncs.load(), 0u);
  for (const auto& resyncs : stats.db_resyncs) EXPECT_EQ(resyncs.load(), 0u);
  EXPECT_EQ(stats.db_requests_evicted.load(), 0u);
  EXPECT_EQ(stats.db_responses_unmatched.load(), 0u);
  EXPECT_EQ(stats.db_responses_lost.load(), 0u);
  EXPECT_EQ(stats.db_statements_unknown.load(), 0u);
  EXPECT_EQ(stats.ignored.load(), 0u);
  EXPECT_TRUE(kernel_.ignored.empty());
  EXPECT_TRUE(sink_.http_detected.empty());

  EXPECT_EQ(sink_.closed[5], 0);
  Close(5);
  EXPECT_EQ(sink_.closed[5], 1);
  EXPECT_EQ(table_.size(), 0u);
}

// As the kernel captured it before the tail grew to 256 bytes: 4096 bytes of head, 16 of tail, the
// rest a gap. Bytes are counted from each syscall's length, so they stay exact. Operations stay
// exact except where a read of more than 4 KiB holds several Redis replies (redis-cli's COMMAND
// DOCS, a large value merged with the next replies): the hidden headers lose replies, and the loss
// is counted.
TEST_P(DbCaptureTest, ClientSideAsTheKernelCapturesIt) {
  Open(5, HL_ROLE_CLIENT, DefaultPort(capture_.system));
  Replay(5, capture_);
  ASSERT_EQ(sink_.opened[5], 1);
  EXPECT_EQ(sink_.sent_bytes[5], capture_.BytesFrom(true));
  EXPECT_EQ(sink_.received_bytes[5], capture_.BytesFrom(false));
  const auto& stats = table_.stats();
  const auto& got = sink_.operations[5];
  const bool lossy = capture_.protocol == "redis" &&
                     (capture_.name == "cli_basic" || capture_.name == "large_value");
  if (!lossy) {
    ExpectOperations(capture_, got);
    EXPECT_EQ(stats.db_responses_lost.load(), 0u);
  } else {
    EXPECT_LT(got.size(), capture_.expected.size());
    EXPECT_GT(stats.db_resyncs[static_cast<size_t>(capture_.system)].load(), 0u);
    EXPECT_EQ(stats.parse_resyncs.load(), 0u);  // database resyncs are counted apart
    EXPECT_EQ(stats.db_responses_lost.load(), capture_.expected.size() - got.size());
    // What is reported is a subsequence of the recorded operations.
    size_t next = 0;
    for (const auto& op : got) {
      while (next < capture_.expected.size() && capture_.expected[next].operation != op.operation) {
        ++next;
      }
      EXPECT_LT(next, capture_.expected.size()) << op.operation;
      ++next;
    }
  }
  EXPECT_EQ(stats.db_requests_evicted.load(), 0u);
  EXPECT_EQ(stats.db_responses_unmatched.load(), 0u);
  EXPECT_EQ(stats.db_statements_unknown.load(), 0u);
  Close(5);
  EXPECT_EQ(sink_.closed[5], 1);
}

// A ClientHello's and a ServerHello's first bytes, as the socket probes see them.
constexpr std::string_view kClientHello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03", 10);
constexpr std::string_view kServerHello("\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03", 10);

// MySQL's SSL request packet of the client whose handshake response packet is `response`: its
// first 32 payload bytes (flags, max packet size, charset, filler) with CLIENT_SSL.
std::string MysqlSslRequest(const std::string& response) {
  std::string request = response.substr(0, 4 + 32);
  request[0] = 32;
  request[1] = request[2] = 0;
  request[5] |= 0x08;  // CLIENT_SSL
  return request;
}

// The sequence id of every packet in `bytes` (MySQL packets, back to back) plus one.
std::string NextSequenceIds(std::string bytes) {
  for (size_t at = 0; at + 4 <= bytes.size();) {
    const size_t length = static_cast<uint8_t>(bytes[at]) |
                          static_cast<uint8_t>(bytes[at + 1]) << 8 |
                          static_cast<size_t>(static_cast<uint8_t>(bytes[at + 2])) << 16;
    ++bytes[at + 3];
    at += 4 + length;
  }
  return bytes;
}

// The capture as the same client sees it over TLS: the negotiation in plaintext (PostgreSQL's
// SSLRequest and 'S'; MySQL's greeting and SSL request packet), the handshake's TLS records
// (ciphertext the socket probes see), then the capture from the TLS probes: PostgreSQL's from its
// StartupMessage, MySQL's from its handshake response on, every sequence id of the handshake one
// more (the SSL request packet took 1).
class InProtocolTlsCaptureTest : public DbCaptureTest {};

TEST_P(InProtocolTlsCaptureTest, ClientSideOverTlsYieldsEveryOperation) {
  const bool mysql = capture_.system == DbSystem::kMysql;
  capture_bytes_ = SIZE_MAX;
  Open(5, HL_ROLE_CLIENT, DefaultPort(capture_.system));
  uint64_t ts = 0;
  size_t first = 0;
  if (mysql) {
    Data(5, HL_DIR_INGRESS, capture_.records[0].bytes, ts += 1);  // the greeting
    Data(5, HL_DIR_EGRESS, MysqlSslRequest(capture_.records[1].bytes), ts += 1);
    first = 1;
  } else {
    const std::string ssl_request("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8);
    Data(5, HL_DIR_EGRESS, ssl_request, ts += 1);
    Data(5, HL_DIR_INGRESS, "S", ts += 1);
  }
  Data(5, HL_DIR_EGRESS, kClientHello, ts += 1);
  Data(5, HL_DIR_INGRESS, kServerHello, ts += 1);
  ASSERT_FALSE(kernel_.ignored.empty());  // the ciphertext is not copied any further
  syscall_ = HL_SYS_TLS;
  bool handshake = mysql;
  for (size_t i = first; i < capture_.records.size(); ++i) {
    const auto& r = capture_.records[i];
    // The handshake ends before the first command (a client packet with sequence id 0).
    handshake = handshake && !(r.from_client && r.bytes.size() > 4 && r.bytes[3] == 0);
    Data(5, r.from_client ? HL_DIR_EGRESS : HL_DIR_INGRESS,
         handshake ? NextSequenceIds(r.bytes) : r.bytes, (i + 1) * 1000);
  }
  EXPECT_EQ(sink_.opened[5], 1);
  ExpectOperations(capture_, sink_.operations[5]);
  const auto& stats = table_.stats();
  for (const auto& resyncs : stats.db_resyncs) EXPECT_EQ(resyncs.load(), 0u);
  EXPECT_EQ(stats.db_requests_evicted.load(), 0u);
  EXPECT_EQ(stats.db_responses_unmatched.load(), 0u);
  EXPECT_EQ(stats.db_responses_lost.load(), 0u);
  EXPECT_EQ(stats.db_statements_unknown.load(), 0u);
  EXPECT_EQ(stats.tls_starts_missed.load(), 0u);
  Close(5);
  EXPECT_EQ(sink_.closed[5], 1);
  EXPECT_EQ(stats.tls_uncovered.load(), 0u);
}

// The TLS probes attached only after the conversation inside TLS began (a client that connects
// within milliseconds of loading its library): the first plaintext is not the StartupMessage or
// the handshake response, and that is counted, once.
TEST_P(InProtocolTlsCaptureTest, PlaintextThatStartsLateIsCountedAsAMissedStart) {
  const bool mysql = capture_.system == DbSystem::kMysql;
  capture_bytes_ = SIZE_MAX;
  Open(5, HL_ROLE_CLIENT, DefaultPort(capture_.system));
  size_t first = 0;
  if (mysql) {
    Data(5, HL_DIR_INGRESS, capture_.records[0].bytes, 1);
    Data(5, HL_DIR_EGRESS, MysqlSslRequest(capture_.records[1].bytes), 2);
    first = 1;
  } else {
    Data(5, HL_DIR_EGRESS, std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8), 1);
    Data(5, HL_DIR_INGRESS, "S", 2);
  }
  Data(5, HL_DIR_EGRESS, kClientHello, 3);
  Data(5, HL_DIR_INGRESS, kServerHello, 4);
  syscall_ = HL_SYS_TLS;
  // From the server's answer to the client's first message on: that message came too early.
  size_t late = first;
  while (late < capture_.records.size() && !capture_.records[late].from_client) ++late;
  while (late < capture_.records.size() && capture_.records[late].from_client) ++late;
  ASSERT_LT(late, capture_.records.size());
  for (size_t i = late; i < capture_.records.size(); ++i) {
    const auto& r = capture_.records[i];
    Data(5, r.from_client ? HL_DIR_EGRESS : HL_DIR_INGRESS, r.bytes, (i + 1) * 1000);
  }
  EXPECT_EQ(table_.stats().tls_starts_missed.load(), 1u);
  Close(5);
}

TEST_P(DbCaptureTest, ServerSideIsNeverReported) {
  // The database's own process: it accepted the connection and reads the client's bytes.
  Open(6, HL_ROLE_SERVER, DefaultPort(capture_.system));
  Replay(6, capture_, /*server_side=*/true);
  Close(6);
  EXPECT_TRUE(sink_.opened.empty());
  EXPECT_TRUE(sink_.closed.empty());
  EXPECT_TRUE(sink_.operations.empty());
  EXPECT_TRUE(sink_.sent_bytes.empty());
  EXPECT_TRUE(sink_.received_bytes.empty());
  EXPECT_TRUE(sink_.http_detected.empty());
  EXPECT_EQ(kernel_.ignored.size(), 1u);  // and the kernel stops copying it
}

TEST_P(DbCaptureTest, CloseBeforeAnyOperationStillClosesOnce) {
  Open(5, HL_ROLE_CLIENT, DefaultPort(capture_.system));
  Data(5, capture_.records[0].from_client ? HL_DIR_EGRESS : HL_DIR_INGRESS,
       capture_.records[0].bytes, 1000);
  EXPECT_EQ(sink_.opened[5], 1);
  Close(5);
  Close(5);  // a second close of the same generation is not another end
  EXPECT_EQ(sink_.closed[5], 1);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DbCaptureTest, ::testing::ValuesIn(AllCaptures()),
                         [](const auto& info) {
                           return info.param.protocol + "_" + info.param.name;
                         });

// TLS accepted in the protocol (MySQL's SSL request packet) but no plaintext from the TLS probes
// (a library the agent cannot probe): the connection is counted uncovered, once.
TEST_F(DbConnectionTest, InProtocolTlsWithoutPlaintextIsCountedUncovered) {
  const auto capture = LoadDbCapture("mysql", "cli_simple");
  Open(5, HL_ROLE_CLIENT, 3306);
  Data(5, HL_DIR_INGRESS, capture.records[0].bytes, 1000);
  Data(5, HL_DIR_EGRESS, MysqlSslRequest(capture.records[1].bytes), 2000);
  Data(5, HL_DIR_EGRESS, kClientHello, 3000);
  Close(5);
  EXPECT_EQ(sink_.opened[5], 1);
  EXPECT_TRUE(sink_.operations[5].empty());
  EXPECT_EQ(table_.stats().tls_uncovered.load(), 1u);
  EXPECT_EQ(table_.stats().db_responses_unmatched.load(), 0u);
}

// The protocols that negotiate TLS inside their own conversation.
std::vector<CaptureName> SqlCaptures() {
  std::vector<CaptureName> sql;
  for (const auto& c : AllCaptures()) {
    if (c.protocol == "postgres" || c.protocol == "mysql") sql.push_back(c);
  }
  return sql;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, InProtocolTlsCaptureTest, ::testing::ValuesIn(SqlCaptures()),
                         [](const auto& info) {
                           return info.param.protocol + "_" + info.param.name;
                         });

TEST_F(DbConnectionTest, LabelsOfFailedQueriesComeFromTheWire) {
  Open(5, HL_ROLE_CLIENT, 5432);
  Replay(5, LoadDbCapture("postgres", "psql_error"));
  const auto& ops = sink_.operations[5];
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].operation, "SELECT");
  EXPECT_EQ(ops[0].collection, "hostlens_missing_table");
  EXPECT_EQ(ops[0].error_type, "42P01");
  EXPECT_EQ(ops[0].statement, "select * from hostlens_missing_table");
  EXPECT_EQ(ops[1].error_type, "22012");
  EXPECT_EQ(ops[2].error_type, "");
  EXPECT_EQ(ops[2].statement, "select ?");  // the literal 42 is gone

  Open(6, HL_ROLE_CLIENT, 3306);
  Replay(6, LoadDbCapture("mysql", "cli_error"));
  const auto& my = sink_.operations[6];
  ASSERT_EQ(my.size(), 3u);
  EXPECT_EQ(my[0].collection, "hostlens_missing_table");
  EXPECT_EQ(my[0].error_type, "1146");
  EXPECT_EQ(my[1].error_type, "1064");
  EXPECT_EQ(my[2].operation, "SELECT");
  EXPECT_EQ(my[2].error_type, "");
}

TEST_F(DbConnectionTest, CacheLookupsCountKeysAndHits) {
  Open(5, HL_ROLE_CLIENT, 11211);
  Replay(5, LoadDbCapture("memcached", "text"));
  const auto& ops = sink_.operations[5];
  ASSERT_GE(ops.size(), 5u);
  EXPECT_EQ(ops[0].operation, "set");
  EXPECT_EQ(ops[4].operation, "get");
  EXPECT_EQ(ops[4].keys_looked_up, 5u);
  EXPECT_EQ(ops[4].hits, 2u);
}

// Commands the server answers with nothing by the protocol's rules are counted per system, not
// as losses: Redis's are not reported, memcached's are.
TEST_F(DbConnectionTest, CommandsWithoutReplyAreCountedPerSystem) {
  Open(5, HL_ROLE_CLIENT, 6379);
  Data(5, HL_DIR_EGRESS,
       "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n"
       "*1\r\n$4\r\nPING\r\n",
       1000);
  Data(5, HL_DIR_INGRESS, "+PONG\r\n", 2000);
  Open(6, HL_ROLE_CLIENT, 11211);
  Data(6, HL_DIR_EGRESS, "mg a v q\r\nset b 0 0 1 noreply\r\n1\r\nmn\r\n", 3000);
  Data(6, HL_DIR_INGRESS, "MN\r\n", 4000);
  const auto& stats = table_.stats();
  EXPECT_EQ(stats.db_unanswered[static_cast<size_t>(DbSystem::kRedis)].load(), 2u);
  EXPECT_EQ(stats.db_unanswered[static_cast<size_t>(DbSystem::kMemcached)].load(), 2u);
  EXPECT_EQ(stats.db_responses_unmatched.load(), 0u);
  EXPECT_EQ(stats.db_responses_lost.load(), 0u);
  ASSERT_EQ(sink_.operations[5].size(), 1u);
  EXPECT_EQ(sink_.operations[5][0].operation, "PING");
  ASSERT_EQ(sink_.operations[6].size(), 3u);  // set (when sent), mg (a miss), mn
  EXPECT_EQ(sink_.operations[6][1].operation, "mg");
  EXPECT_EQ(sink_.operations[6][1].keys_looked_up, 1u);
  EXPECT_EQ(sink_.operations[6][1].hits, 0u);
}

TEST_F(DbConnectionTest, RedisInlineOnItsOwnPortAndMemcachedElsewhere) {
  // The same first bytes, "set a 0 0 5": the server port decides.
  Open(5, HL_ROLE_CLIENT, 6379);
  Open(6, HL_ROLE_CLIENT, 11211);
  Data(5, HL_DIR_EGRESS, "set a 0 0 5\r\n", 1000);
  Data(6, HL_DIR_EGRESS, "set a 0 0 5\r\nhello\r\n", 1000);
  EXPECT_EQ(sink_.systems[5], DbSystem::kRedis);
  EXPECT_EQ(sink_.systems[6], DbSystem::kMemcached);
}

TEST_F(DbConnectionTest, LiteralsReachRawSqlOnlyWhenAskedFor) {
  const auto capture = LoadDbCapture("postgres", "pgbench_simple");
  Open(5, HL_ROLE_CLIENT, 5432);
  Replay(5, capture);
  for (const auto& op : sink_.operations[5]) {
    EXPECT_EQ(op.raw_sql, "");
    EXPECT_EQ(op.statement, "SELECT abalance FROM pgbench_accounts WHERE aid = ?;");
  }

  FakeKernel kernel;
  DbSink sink;
  ConnectionTable table([](uint32_t) { return std::string("svc"); }, kernel, sink, 64,
                        DbStreamOptions{/*capture_literals=*/true});
  hl_conn_event open{};
  open.hdr.tgid = kTgid;
  open.fd = 5;
  open.generation = 1;
  open.family = AF_INET;
  open.role = HL_ROLE_CLIENT;
  open.remote_port = 5432;
  table.OnOpen(open);
  for (size_t i = 0; i < capture.records.size(); ++i) {
    const auto& r = capture.records[i];
    hl_data_event e{};
    e.hdr.tgid = kTgid;
    e.hdr.ts_ns = (i + 1) * 1000;
    e.fd = 5;
    e.generation = 1;
    e.direction = r.from_client ? HL_DIR_EGRESS : HL_DIR_INGRESS;
    e.length = r.bytes.size();
    table.OnData(e, r.bytes, {});
  }
  const auto& ops = sink.operations[5];
  ASSERT_EQ(ops.size(), 3u);
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].raw_sql, capture.expected[i].sql);
    EXPECT_EQ(ops[i].statement, "SELECT abalance FROM pgbench_accounts WHERE aid = ?;");
  }
}

// A pooled connection opened before the agent: its first bytes seen are a query write.
TEST_F(DbConnectionTest, PostgresQueryWriteMidStreamIsFoundOnAnOlderConnection) {
  int32_t next_fd = 20;
  for (const char* name : {"psql_simple", "psql_error", "pgbench_extended", "pgbench_prepared"}) {
    SCOPED_TRACE(name);
    const auto capture = LoadDbCapture("postgres", name);
    size_t first = 0, offset = 0;
    while (first < capture.records.size()) {
      const auto& r = capture.records[first];
      if (r.from_client && (r.bytes[0] == 'Q' || r.bytes[0] == 'P')) break;
      offset += r.bytes.size();
      ++first;
    }
    ASSERT_LT(first, capture.records.size());
    const int32_t fd = next_fd++;
    Open(fd, HL_ROLE_UNKNOWN, 5432);
    Replay(fd, capture, false, first);
    EXPECT_EQ(sink_.opened[fd], 1);
    EXPECT_EQ(sink_.systems[fd], DbSystem::kPostgresql);
    EXPECT_EQ(sink_.roles[fd], Role::kClient);
    size_t complete_before = 0;
    while (capture.expected[complete_before].end <= offset) ++complete_before;
    ExpectOperations(capture, sink_.operations[fd], complete_before);
  }
}

TEST_F(DbConnectionTest, MysqlQueryWriteMidStreamIsFoundOnAnOlderConnection) {
  int32_t next_fd = 30;
  for (const char* name : {"cli_simple", "cli_error"}) {
    SCOPED_TRACE(name);
    const auto capture = LoadDbCapture("mysql", name);
    size_t first = 0, offset = 0;
    while (first < capture.records.size()) {
      const auto& r = capture.records[first];
      if (r.from_client && r.bytes[3] == 0 && r.bytes[4] == 3) break;  // COM_QUERY, seq 0
      offset += r.bytes.size();
      ++first;
    }
    ASSERT_LT(first, capture.records.size());
    const int32_t fd = next_fd++;
    Open(fd, HL_ROLE_UNKNOWN, 3306);
    Replay(fd, capture, false, first);
    EXPECT_EQ(sink_.opened[fd], 1);
    EXPECT_EQ(sink_.systems[fd], DbSystem::kMysql);
    EXPECT_EQ(sink_.roles[fd], Role::kClient);
    size_t complete_before = 0;
    while (capture.expected[complete_before].end <= offset) ++complete_before;
    ExpectOperations(capture, sink_.operations[fd], complete_before);
  }
}

// A first write that could still be an HTTP method ("PING") is held back; the next one shows
// it is a Redis inline command (telnet, nc, hand-rolled clients), judged on both.
TEST_F(DbConnectionTest, RedisInlineCommandWrittenInPiecesIsDetected) {
  Open(5, HL_ROLE_CLIENT, 6379);
  Data(5, HL_DIR_EGRESS, "PING", 1000);
  Data(5, HL_DIR_EGRESS, "\r\n", 1001);
  Data(5, HL_DIR_INGRESS, "+PONG\r\n", 2000);
  EXPECT_EQ(sink_.opened[5], 1);
  ASSERT_EQ(sink_.operations[5].size(), 1u);
  EXPECT_EQ(sink_.operations[5][0].operation, "PING");
}

TEST_F(DbConnectionTest, HttpOnAClientConnectionIsNotADatabase) {
  Open(5, HL_ROLE_CLIENT, 6379);  // even on Redis's port: GET is a Redis inline command too
  Data(5, HL_DIR_EGRESS, "GET /items HTTP/1.1\r\nHost: a\r\n\r\n", 1000);
  Data(5, HL_DIR_INGRESS, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 2000);
  EXPECT_TRUE(sink_.opened.empty());
  EXPECT_EQ(sink_.http_detected, std::vector<int32_t>{5});
  EXPECT_EQ(sink_.http_exchanges, 1);
}

TEST_F(DbConnectionTest, OtherBytesAreIgnoredNotReported) {
  Open(5, HL_ROLE_CLIENT, 5432);
  Data(5, HL_DIR_EGRESS, protocols::test_util::Bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03"),
       1000);
  Open(6, HL_ROLE_CLIENT, 3306);
  Data(6, HL_DIR_INGRESS, "random bytes, not a greeting", 1000);
  EXPECT_TRUE(sink_.opened.empty());
  EXPECT_EQ(kernel_.ignored, (std::vector<int32_t>{5, 6}));
  EXPECT_EQ(table_.stats().ignored.load(), 2u);
}

// A FATAL error (pg_terminate_backend) has no ReadyForQuery after it: the server closes, and
// the close ends the query, reported before the connection's end. A query still waiting when the
// connection closes is lost, and counted.
TEST_F(DbConnectionTest, PostgresQueryEndedByFatalIsReportedAtClose) {
  using protocols::test_util::Bytes;
  const std::string startup = Bytes("\0\0\0\x12\0\x03\0\0user\0bob\0\0");
  const std::string ready = Bytes("R\0\0\0\x08\0\0\0\0Z\0\0\0\x05I");
  for (int32_t fd : {5, 6}) {
    Open(fd, HL_ROLE_CLIENT, 5432);
    Data(fd, HL_DIR_EGRESS, startup, 1000);
    Data(fd, HL_DIR_INGRESS, ready, 2000);
    Data(fd, HL_DIR_EGRESS, Bytes("Q\0\0\0\x18select pg_sleep(10)\0"), 3000);
  }
  Data(5, HL_DIR_INGRESS, Bytes("E\0\0\0\x20SFATAL\0C57P01\0Mterminating\0\0"), 4000);
  EXPECT_TRUE(sink_.operations[5].empty());
  Close(5);
  ASSERT_EQ(sink_.operations[5].size(), 1u);
  EXPECT_EQ(sink_.operations_at_close[5], 1u);
  const DbOperation& op = sink_.operations[5][0];
  EXPECT_EQ(op.operation, "SELECT");
  EXPECT_EQ(op.error_type, "57P01");
  EXPECT_EQ(op.start_ns, 3000u);
  EXPECT_EQ(op.end_ns, 4000u);
  EXPECT_EQ(table_.stats().db_responses_lost.load(), 0u);

  Close(6);
  EXPECT_TRUE(sink_.operations[6].empty());
  EXPECT_EQ(sink_.closed[6], 1);
  EXPECT_EQ(table_.stats().db_responses_lost.load(), 1u);
}

TEST_F(DbConnectionTest, ProcessExitClosesItsDatabaseConnections) {
  Open(5, HL_ROLE_CLIENT, 5432);
  Open(6, HL_ROLE_CLIENT, 6379);
  Replay(5, LoadDbCapture("postgres", "psql_simple"));
  Replay(6, LoadDbCapture("redis", "inline"));
  table_.OnProcessExit(kTgid, 99999);
  EXPECT_EQ(sink_.closed[5], 1);
  EXPECT_EQ(sink_.closed[6], 1);
  EXPECT_EQ(sink_.exited, std::vector<uint32_t>{kTgid});
  EXPECT_EQ(table_.size(), 0u);
}

TEST_F(DbConnectionTest, EvictionClosesADatabaseConnection) {
  FakeKernel kernel;
  DbSink sink;
  ConnectionTable table([](uint32_t) { return std::string("svc"); }, kernel, sink, 1);
  hl_conn_event open{};
  open.hdr.tgid = kTgid;
  open.fd = 5;
  open.generation = 1;
  open.family = AF_INET;
  open.role = HL_ROLE_CLIENT;
  open.remote_port = 6379;
  table.OnOpen(open);
  hl_data_event e{};
  e.hdr.tgid = kTgid;
  e.hdr.ts_ns = 10;
  e.fd = 5;
  e.generation = 1;
  e.direction = HL_DIR_EGRESS;
  const std::string_view ping = "PING\r\n";
  e.length = ping.size();
  table.OnData(e, ping, {});
  ASSERT_EQ(sink.opened[5], 1);
  open.fd = 6;
  open.generation = 2;
  table.OnOpen(open);
  EXPECT_EQ(sink.closed[5], 1);
  EXPECT_EQ(table.stats().evicted.load(), 1u);
}

}  // namespace
}  // namespace hostlens::conn
