#include "agent/conn/connection_table.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <map>
#include <vector>

namespace hostlens::conn {
namespace {

namespace http1 = protocols::http1;

struct FakeKernel : KernelConnections {
  void Ignore(uint32_t tgid, int32_t fd, uint64_t generation) override {
    ignored.push_back({tgid, fd, generation});
  }
  void IgnoreTls(uint32_t tgid, int32_t fd, uint64_t generation) override {
    tls_ignored.push_back({tgid, fd, generation});
  }
  void Forget(uint32_t tgid, int32_t fd) override { forgotten.push_back({tgid, fd, 0}); }
  struct Call {
    uint32_t tgid;
    int32_t fd;
    uint64_t generation;
  };
  std::vector<Call> ignored, tls_ignored, forgotten;
};

struct FakeSink : ConnectionSink {
  void OnHttpExchange(const Connection& conn, const http1::Exchange& exchange) override {
    exchanges.push_back({conn.role, conn.service, exchange});
  }
  void OnAccept(const Connection& conn, uint64_t wait_ns) override {
    accepts.push_back({conn.local.port, wait_ns});
  }
  void OnWebsocketOpen(const Connection&, const std::string& target) override {
    ++open_websockets[target];
  }
  void OnWebsocketClose(const Connection&, const std::string& target) override {
    --open_websockets[target];
  }
  void OnTlsUncovered(const Connection& conn) override { tls_uncovered.push_back(conn.fd); }
  struct Seen {
    Role role;
    std::string service;
    http1::Exchange exchange;
  };
  std::vector<Seen> exchanges;
  std::vector<std::pair<uint16_t, uint64_t>> accepts;
  std::map<std::string, int> open_websockets;
  std::vector<int32_t> tls_uncovered;
};

hl_conn_event Open(uint32_t tgid, int32_t fd, uint64_t generation, uint8_t role,
                   uint64_t accept_wait_ns = 0, uint64_t ts_ns = 1) {
  hl_conn_event e{};
  e.hdr.kind = HL_EV_CONN_OPEN;
  e.hdr.tgid = tgid;
  e.hdr.ts_ns = ts_ns;
  e.fd = fd;
  e.generation = generation;
  e.family = AF_INET;
  e.role = role;
  e.local_port = 8080;
  e.remote_port = 50000;
  e.local_addr[0] = 127;
  e.local_addr[3] = 1;
  e.remote_addr[0] = 127;
  e.remote_addr[3] = 1;
  e.accept_wait_ns = accept_wait_ns;
  return e;
}

hl_conn_event Close(uint32_t tgid, int32_t fd, uint64_t generation) {
  hl_conn_event e = Open(tgid, fd, generation, HL_ROLE_UNKNOWN);
  e.hdr.kind = HL_EV_CONN_CLOSE;
  return e;
}

class ConnectionTableTest : public ::testing::Test {
 protected:
  ConnectionTableTest()
      : table_([](uint32_t tgid) { return "svc" + std::to_string(tgid); }, kernel_, sink_, 4) {}

  // One syscall's worth of bytes, fully captured.
  void Data(uint32_t tgid, int32_t fd, uint64_t generation, uint8_t direction,
            std::string_view bytes, uint64_t ts_ns, uint8_t syscall = HL_SYS_READ) {
    hl_data_event e{};
    e.syscall = syscall;
    e.hdr.kind = HL_EV_DATA;
    e.hdr.tgid = tgid;
    e.hdr.ts_ns = ts_ns;
    e.fd = fd;
    e.generation = generation;
    e.direction = direction;
    e.length = bytes.size();
    e.head_len = static_cast<uint16_t>(bytes.size());
    table_.OnData(e, bytes, {});
  }
  // The plaintext of a TLS library call on the connection (bpf/tls.bpf.c).
  void Plaintext(uint32_t tgid, int32_t fd, uint64_t generation, uint8_t direction,
                 std::string_view bytes, uint64_t ts_ns) {
    Data(tgid, fd, generation, direction, bytes, ts_ns, HL_SYS_TLS);
  }

  FakeKernel kernel_;
  FakeSink sink_;
  ConnectionTable table_;
};

constexpr std::string_view kRequest = "GET /items/7?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// A ClientHello and a ServerHello's first bytes, as the socket probes see them.
constexpr std::string_view kClientHello = std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03", 10);
constexpr std::string_view kServerHello = std::string_view("\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03", 10);

TEST_F(ConnectionTableTest, TlsServerIsCountedFromItsPlaintextAfterTheHandshake) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  Data(10, 5, 1, HL_DIR_INGRESS, "\x16", 100);  // nginx peeks at one byte first
  Data(10, 5, 1, HL_DIR_INGRESS, kClientHello, 200);
  Data(10, 5, 1, HL_DIR_EGRESS, kServerHello, 300);
  ASSERT_EQ(kernel_.ignored.size(), 1u);  // the ciphertext is not copied any further
  EXPECT_TRUE(kernel_.tls_ignored.empty());
  Plaintext(10, 5, 1, HL_DIR_INGRESS, kRequest, 1000);
  Plaintext(10, 5, 1, HL_DIR_EGRESS, kResponse, 5000);
  Plaintext(10, 5, 1, HL_DIR_INGRESS, kRequest, 6000);
  Plaintext(10, 5, 1, HL_DIR_EGRESS, kResponse, 7000);
  ASSERT_EQ(sink_.exchanges.size(), 2u);
  EXPECT_EQ(sink_.exchanges[0].role, Role::kServer);
  EXPECT_EQ(sink_.exchanges[0].exchange.request.target, "/items/7?x=1");
  EXPECT_EQ(sink_.exchanges[1].exchange.response.last_byte_ns, 7000u);
  table_.OnClose(Close(10, 5, 1));
  EXPECT_TRUE(sink_.tls_uncovered.empty());
  EXPECT_EQ(table_.stats().tls_uncovered.load(), 0u);
}

// The first request's plaintext never came (the kernel counted it tls_no_socket): the reply
// that comes first does not get the connection ignored; the next exchange is counted.
TEST_F(ConnectionTableTest, TlsServerWhoseFirstPlaintextIsAReplyIsCountedFromItsNextRequest) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  Data(10, 5, 1, HL_DIR_INGRESS, kClientHello, 200);
  Plaintext(10, 5, 1, HL_DIR_EGRESS, kResponse, 1000);
  EXPECT_TRUE(kernel_.tls_ignored.empty());
  Plaintext(10, 5, 1, HL_DIR_INGRESS, kRequest, 2000);
  Plaintext(10, 5, 1, HL_DIR_EGRESS, kResponse, 3000);
  ASSERT_EQ(sink_.exchanges.size(), 1u);
  EXPECT_EQ(sink_.exchanges[0].exchange.request.target, "/items/7?x=1");
  EXPECT_TRUE(kernel_.tls_ignored.empty());
}

TEST_F(ConnectionTableTest, TlsClientWhosePlaintextIsNeverSeenIsCountedUncoveredOnce) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_CLIENT));
  Data(10, 5, 1, HL_DIR_EGRESS, kClientHello, 200);
  Data(10, 5, 1, HL_DIR_INGRESS, kServerHello, 300);
  EXPECT_EQ(kernel_.ignored.size(), 1u);
  table_.OnClose(Close(10, 5, 1));
  EXPECT_EQ(sink_.tls_uncovered, std::vector<int32_t>{5});
  EXPECT_EQ(table_.stats().tls_uncovered.load(), 1u);
  EXPECT_TRUE(sink_.exchanges.empty());
}

TEST_F(ConnectionTableTest, TlsPlaintextThatIsNoProtocolStopsTheTlsCopiesToo) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_CLIENT));
  Data(10, 5, 1, HL_DIR_EGRESS, kClientHello, 200);
  Plaintext(10, 5, 1, HL_DIR_EGRESS, "\x00\x01binary frames", 1000);
  ASSERT_EQ(kernel_.tls_ignored.size(), 1u);
  EXPECT_EQ(kernel_.tls_ignored[0].generation, 1u);
  table_.OnClose(Close(10, 5, 1));
  EXPECT_TRUE(sink_.tls_uncovered.empty());  // covered: its plaintext was seen
}

// Go's net/http over TLS negotiates HTTP/2 unless told not to: its plaintext starts with the
// connection preface. Not decoded, and counted as such.
TEST_F(ConnectionTableTest, Http2ConnectionsAreCountedNotDecoded) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  Data(10, 5, 1, HL_DIR_INGRESS, kClientHello, 200);
  Plaintext(10, 5, 1, HL_DIR_INGRESS, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", 1000);
  ASSERT_EQ(kernel_.tls_ignored.size(), 1u);
  table_.OnOpen(Open(10, 6, 2, HL_ROLE_CLIENT));
  Data(10, 6, 2, HL_DIR_EGRESS, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 2000);  // h2c
  // A server that sends its SETTINGS before it reads the client's preface (Go's does).
  table_.OnOpen(Open(10, 7, 3, HL_ROLE_SERVER));
  Plaintext(10, 7, 3, HL_DIR_EGRESS, std::string_view("\x00\x00\x12\x04\x00\x00\x00\x00\x00", 9),
            3000);
  // Not SETTINGS (a DATA frame's header), or an ACK: not taken for HTTP/2. A server's reply
  // first may have lost its request (tls_no_socket), so they are given up on only after eight
  // such segments.
  table_.OnOpen(Open(10, 8, 4, HL_ROLE_SERVER));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(table_.stats().ignored.load(), 4u) << i;
    Plaintext(10, 8, 4, HL_DIR_EGRESS,
              std::string_view("\x00\x00\x12\x00\x00\x00\x00\x00\x01", 9), 4000 + i);
  }
  table_.OnOpen(Open(10, 9, 5, HL_ROLE_SERVER));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(table_.stats().ignored.load(), 5u) << i;
    Plaintext(10, 9, 5, HL_DIR_EGRESS,
              std::string_view("\x00\x00\x00\x04\x01\x00\x00\x00\x00", 9), 5000 + i);
  }
  EXPECT_EQ(table_.stats().http2.load(), 3u);
  // The ciphertext, the three HTTP/2 connections and the two that are no protocol.
  EXPECT_EQ(table_.stats().ignored.load(), 6u);
  EXPECT_TRUE(sink_.exchanges.empty());
  table_.OnClose(Close(10, 5, 1));
  EXPECT_TRUE(sink_.tls_uncovered.empty());
}

TEST_F(ConnectionTableTest, BytesThatOnlyLookLikeTlsAtTheirFirstByteAreNotTls) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_CLIENT));
  Data(10, 5, 1, HL_DIR_EGRESS, "\x16\x01 not a record", 200);
  table_.OnClose(Close(10, 5, 1));
  EXPECT_TRUE(sink_.tls_uncovered.empty());
  EXPECT_EQ(table_.stats().ignored.load(), 1u);
}

TEST_F(ConnectionTableTest, AcceptedConnectionYieldsServerExchangeWithLatency) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER, 300));
  ASSERT_EQ(sink_.accepts.size(), 1u);
  EXPECT_EQ(sink_.accepts[0], std::make_pair(uint16_t{8080}, uint64_t{300}));
  Data(10, 5, 1, HL_DIR_INGRESS, kRequest, 1000);
  Data(10, 5, 1, HL_DIR_EGRESS, kResponse, 5000);
  ASSERT_EQ(sink_.exchanges.size(), 1u);
  const auto& seen = sink_.exchanges[0];
  EXPECT_EQ(seen.role, Role::kServer);
  EXPECT_EQ(seen.service, "svc10");
  EXPECT_EQ(seen.exchange.request.method, "GET");
  EXPECT_EQ(seen.exchange.request.target, "/items/7?x=1");
  EXPECT_EQ(seen.exchange.response.status, 200);
  EXPECT_EQ(seen.exchange.request.first_byte_ns, 1000u);
  EXPECT_EQ(seen.exchange.response.last_byte_ns, 5000u);
}

TEST_F(ConnectionTableTest, ConnectedConnectionYieldsClientExchange) {
  table_.OnOpen(Open(10, 6, 2, HL_ROLE_CLIENT));
  EXPECT_TRUE(sink_.accepts.empty());
  Data(10, 6, 2, HL_DIR_EGRESS, kRequest, 1);
  Data(10, 6, 2, HL_DIR_INGRESS, kResponse, 2);
  ASSERT_EQ(sink_.exchanges.size(), 1u);
  EXPECT_EQ(sink_.exchanges[0].role, Role::kClient);
}

TEST_F(ConnectionTableTest, DataOfAnotherGenerationNeverMixes) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  Data(10, 5, 2, HL_DIR_INGRESS, kRequest, 1);
  EXPECT_EQ(table_.stats().unmatched_data.load(), 1u);
  Data(10, 5, 1, HL_DIR_INGRESS, kRequest, 1);
  Data(10, 5, 1, HL_DIR_EGRESS, kResponse, 2);
  EXPECT_EQ(sink_.exchanges.size(), 1u);
}

TEST_F(ConnectionTableTest, NotHttpFromTheFirstByteIsIgnoredInTheKernel) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  Data(10, 5, 1, HL_DIR_INGRESS, std::string_view("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8), 1);
  ASSERT_EQ(kernel_.ignored.size(), 1u);
  EXPECT_EQ(kernel_.ignored[0].generation, 1u);
  Data(10, 5, 1, HL_DIR_INGRESS, kRequest, 2);
  Data(10, 5, 1, HL_DIR_EGRESS, kResponse, 3);
  EXPECT_TRUE(sink_.exchanges.empty());
}

TEST_F(ConnectionTableTest, RequestWrittenByteByByteIsStillDetectedAndCounted) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  for (size_t i = 0; i < kRequest.size(); ++i) {
    Data(10, 5, 1, HL_DIR_INGRESS, kRequest.substr(i, 1), 100 + i);
  }
  EXPECT_TRUE(kernel_.ignored.empty());
  Data(10, 5, 1, HL_DIR_EGRESS, kResponse, 1000);
  ASSERT_EQ(sink_.exchanges.size(), 1u);
  EXPECT_EQ(sink_.exchanges[0].exchange.request.target, "/items/7?x=1");
  EXPECT_EQ(sink_.exchanges[0].exchange.request.first_byte_ns, 100u);
}

TEST_F(ConnectionTableTest, UppercaseNonHttpIsIgnoredOnceItCannotBeAMethod) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  Data(10, 5, 1, HL_DIR_INGRESS, "PING", 1);  // could be a method: wait
  EXPECT_TRUE(kernel_.ignored.empty());
  Data(10, 5, 1, HL_DIR_INGRESS, "\r\n", 2);  // Redis inline PING: not HTTP
  EXPECT_EQ(kernel_.ignored.size(), 1u);
}

TEST_F(ConnectionTableTest, ConnectionOlderThanTheAgentGetsItsRoleFromTheFirstRequest) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_UNKNOWN));
  Data(10, 5, 1, HL_DIR_EGRESS, "tail of a body we never saw the start of", 1);
  EXPECT_TRUE(kernel_.ignored.empty());
  Data(10, 5, 1, HL_DIR_INGRESS, kRequest, 2);
  Data(10, 5, 1, HL_DIR_EGRESS, kResponse, 3);
  ASSERT_EQ(sink_.exchanges.size(), 1u);
  EXPECT_EQ(sink_.exchanges[0].role, Role::kServer);
}

TEST_F(ConnectionTableTest, CloseEndsACloseDelimitedResponse) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_CLIENT));
  Data(10, 5, 1, HL_DIR_EGRESS, "GET / HTTP/1.0\r\n\r\n", 1);
  Data(10, 5, 1, HL_DIR_INGRESS, "HTTP/1.0 200 OK\r\n\r\nbody until close", 2);
  EXPECT_TRUE(sink_.exchanges.empty());
  table_.OnClose(Close(10, 5, 1));
  ASSERT_EQ(sink_.exchanges.size(), 1u);
  EXPECT_EQ(table_.size(), 0u);
}

TEST_F(ConnectionTableTest, WebsocketIsOpenUntilTheConnectionEnds) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  Data(10, 5, 1, HL_DIR_INGRESS,
       "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
       1);
  Data(10, 5, 1, HL_DIR_EGRESS,
       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
       2);
  EXPECT_EQ(sink_.open_websockets["/ws"], 1);
  ASSERT_EQ(kernel_.ignored.size(), 1u);  // frames are not HTTP: stop copying
  Data(10, 5, 1, HL_DIR_INGRESS, "\x81\x05hello", 3);
  table_.OnClose(Close(10, 5, 1));
  EXPECT_EQ(sink_.open_websockets["/ws"], 0);
}

TEST_F(ConnectionTableTest, ProcessExitDropsItsConnectionsHereAndInTheKernel) {
  table_.OnOpen(Open(10, 5, 1, HL_ROLE_SERVER));
  table_.OnOpen(Open(10, 6, 2, HL_ROLE_SERVER));
  table_.OnOpen(Open(11, 5, 3, HL_ROLE_SERVER));
  table_.OnProcessExit(10, 9);
  EXPECT_EQ(table_.size(), 1u);
  EXPECT_EQ(kernel_.forgotten.size(), 2u);
  EXPECT_EQ(table_.stats().open.load(), 1u);
}

TEST_F(ConnectionTableTest, TheCapEvictsTheLeastRecentlyActiveAndCountsIt) {
  for (int fd = 0; fd < 4; ++fd) table_.OnOpen(Open(10, fd, fd + 1, HL_ROLE_SERVER, 0, 10 + fd));
  Data(10, 0, 1, HL_DIR_INGRESS, kRequest, 100);  // fd 0 is now the most recent
  table_.OnOpen(Open(10, 9, 9, HL_ROLE_SERVER));
  EXPECT_EQ(table_.size(), 4u);
  EXPECT_EQ(table_.stats().evicted.load(), 1u);
  ASSERT_EQ(kernel_.forgotten.size(), 1u);
  EXPECT_EQ(kernel_.forgotten[0].fd, 1);
}

}  // namespace
}  // namespace hostlens::conn

namespace hostlens::conn {
namespace {

TEST(EndpointTest, PrintsWhatServerAddressNeeds) {
  Endpoint v4;
  v4.family = AF_INET;
  v4.addr = {10, 0, 0, 7};
  v4.port = 5432;
  EXPECT_EQ(v4.ToString(), "10.0.0.7:5432");
  Endpoint v6;
  v6.family = AF_INET6;
  v6.addr[15] = 1;
  v6.port = 80;
  EXPECT_EQ(v6.ToString(), "[::1]:80");
  Endpoint unix_socket;
  unix_socket.family = AF_UNIX;
  EXPECT_EQ(unix_socket.ToString(), "unix");
  unix_socket.unix_path = "/run/postgresql/.s.PGSQL.5432";
  EXPECT_EQ(unix_socket.ToString(), "/run/postgresql/.s.PGSQL.5432");
}

TEST(EndpointTest, ServerAddressIsTheHostTheClientNamedWithItsPort) {
  Endpoint v4;
  v4.family = AF_INET;
  v4.addr = {10, 0, 0, 7};
  v4.port = 443;
  EXPECT_EQ(ServerAddress(v4, ""), "10.0.0.7:443");
  EXPECT_EQ(ServerAddress(v4, "api.payments.example"), "api.payments.example:443");
  EXPECT_EQ(ServerAddress(v4, "api.payments.example:8443"), "api.payments.example:8443");
  EXPECT_EQ(ServerAddress(v4, "[::1]"), "[::1]:443");
  EXPECT_EQ(ServerAddress(v4, "[::1]:80"), "[::1]:80");
  Endpoint unix_socket;
  unix_socket.family = AF_UNIX;
  unix_socket.unix_path = "/run/app.sock";
  EXPECT_EQ(ServerAddress(unix_socket, "localhost"), "/run/app.sock");
}

}  // namespace
}  // namespace hostlens::conn
