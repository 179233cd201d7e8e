// WebSocket: a raw client upgrades a connection to a Python echo server of
// the test's own (servers/websocket_server.py). The open-websockets gauge
// rises to 1 for the upgrade's route, frames after the upgrade are never
// parsed as HTTP (even one whose payload is an HTTP request in clear), and
// the gauge falls back to 0 once the connection is closed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <thread>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kServerCount[] = "http_server_request_duration_seconds_count";
constexpr char kOpenWebsockets[] = "http_server_open_websockets";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(
      agent, {"http_server_open_websockets", "http_server_request_duration_seconds_count",
              "hostlens_events_lost_total", "hostlens_events_total", "hostlens_tracked"});
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = write(fd, data.data() + sent, data.size() - sent);
    if (n <= 0) return false;
    sent += n;
  }
  return true;
}

bool ReadExact(int fd, size_t size, std::string* out) {
  out->clear();
  char buf[4096];
  while (out->size() < size) {
    ssize_t n = read(fd, buf, std::min(sizeof(buf), size - out->size()));
    if (n <= 0) return false;
    out->append(buf, n);
  }
  return true;
}

// A client frame (RFC 6455 5.2): FIN, `opcode`, masked with `mask`; payloads under 126 bytes.
std::string ClientFrame(uint8_t opcode, const std::string& payload, uint32_t mask) {
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  frame.push_back(static_cast<char>(0x80 | payload.size()));
  const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16),
                       static_cast<char>(mask >> 8), static_cast<char>(mask)};
  frame.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) frame.push_back(payload[i] ^ key[i % 4]);
  return frame;
}

// An unmasked server frame with a payload under 126 bytes: {opcode, payload}.
std::optional<std::pair<int, std::string>> ReadServerFrame(int fd) {
  std::string header, payload;
  if (!ReadExact(fd, 2, &header)) return std::nullopt;
  const auto length = static_cast<size_t>(header[1] & 0x7f);
  if ((header[1] & 0x80) || length >= 126) return std::nullopt;
  if (!ReadExact(fd, length, &payload)) return std::nullopt;
  return std::make_pair(header[0] & 0x0f, payload);
}

class HttpWebsocket : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    server_ = std::make_unique<ServerScript>("websocket_server.py");
    // A plain request gets 400: the server is up.
    ASSERT_TRUE(server_->WaitUp("/", 400)) << server_->process().Stderr();
    service_ = server_->ServiceName();
  }

  std::string service_;
  std::unique_ptr<ServerScript> server_;
};

TEST_F(HttpWebsocket, GaugeRisesOnUpgradeAndFallsOnClose) {
  Agent agent({"--pid", std::to_string(server_->process().pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 1; }))
      << Excerpt(agent);
  const auto open_websockets = [&] {
    return agent.SumOf(kOpenWebsockets, {{"service_name", service_}, {"http_route", "/ws/chat"}});
  };
  ASSERT_EQ(open_websockets(), 0);

  int fd = ConnectLoopback(server_->port(), 10s);
  ASSERT_GE(fd, 0);

  // The key and its accept value are RFC 6455's own example (section 1.3).
  ASSERT_TRUE(SendAll(fd,
                      "GET /ws/chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n"));
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && read(fd, &c, 1) == 1) head.push_back(c);
  ASSERT_EQ(head.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << head;
  ASSERT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos)
      << head;

  EXPECT_EQ(Settle(open_websockets, 1), 1) << Excerpt(agent);
  // The upgrade request is the agent parser's, never the kernel's fast path.
  EXPECT_EQ(agent.SumOf("hostlens_http_fast_path_total", {{"outcome", "request_upgrade"}}), 1)
      << Excerpt(agent);
  const double requests_after_upgrade = agent.SumOf(kServerCount, {{"service_name", service_}});

  // Echoes: a text frame, then one whose payload is an HTTP request in clear
  // (mask 0 leaves it as is on the wire): neither is HTTP any more.
  ASSERT_TRUE(SendAll(fd, ClientFrame(0x1, "hello", 0x37fa213d)));
  auto echo = ReadServerFrame(fd);
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(*echo, std::make_pair(0x1, std::string("hello")));
  const std::string smuggled = "GET /ws/fake HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_TRUE(SendAll(fd, ClientFrame(0x1, smuggled, 0)));
  echo = ReadServerFrame(fd);
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(*echo, std::make_pair(0x1, smuggled));

  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(open_websockets(), 1) << Excerpt(agent);
  EXPECT_EQ(agent.SumOf(kServerCount, {{"service_name", service_}}), requests_after_upgrade)
      << Excerpt(agent);
  EXPECT_EQ(agent.SumOf(kServerCount, {{"http_route", "/ws/fake"}}), 0) << Excerpt(agent);

  // Closing handshake (status 1000), then the TCP close.
  ASSERT_TRUE(SendAll(fd, ClientFrame(0x8, std::string("\x03\xe8", 2), 0x0badf00d)));
  auto closing = ReadServerFrame(fd);
  ASSERT_TRUE(closing.has_value());
  EXPECT_EQ(closing->first, 0x8);
  close(fd);

  EXPECT_EQ(Settle(open_websockets, 0), 0) << Excerpt(agent);
  EXPECT_EQ(agent.SumOf(kServerCount, {{"service_name", service_}}), requests_after_upgrade)
      << Excerpt(agent);
  ExpectNoEventsLost(agent, Excerpt);
}

}  // namespace
}  // namespace hostlens::testing
