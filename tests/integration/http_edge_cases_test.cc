// HTTP/1.1 edge cases against a Python server of the test's own
// (servers/edge_server.py): chunked responses, HEAD, 204, 100-continue, a
// request written byte by byte, 16 KB of headers. Each exchange must be
// counted exactly once under its route and status, and the connection must
// go on being parsed after it (a second request on it is counted too).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kServerCount[] = "http_server_request_duration_seconds_count";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent,
                        {"http_server_request_duration_seconds_count", "hostlens_events_lost_total",
                         "hostlens_events_total", "hostlens_tracked",
                         "hostlens_http_fast_path_total"});
}

struct Response {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;  // chunked bodies as sent, chunk sizes included
};

// A raw client connection on loopback that reads HTTP/1.1 responses.
class Connection {
 public:
  explicit Connection(uint16_t port) : fd_(ConnectLoopback(port, 10s)) {}
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = write(fd_, data.data(), data.size());
      if (n <= 0) return false;
      data.remove_prefix(n);
    }
    return true;
  }

  // One response; `no_body` for HEAD (1xx, 204 and 304 never have one).
  Response Read(bool no_body = false) {
    Response response;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return response;
    }
    response.head = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    if (response.head.rfind("HTTP/1.", 0) != 0) return response;
    response.status = std::atoi(response.head.c_str() + 9);
    if (no_body || response.status < 200 || response.status == 204 || response.status == 304) {
      return response;
    }
    const std::string lower = Lower(response.head);
    if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      while ((end = buffer_.find("\r\n0\r\n\r\n")) == std::string::npos &&
             buffer_.rfind("0\r\n\r\n", 0) != 0) {
        if (!Fill()) return response;
      }
      const size_t length = end == std::string::npos ? 5 : end + 7;
      response.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
      return response;
    }
    size_t length = 0;
    if (auto at = lower.find("content-length:"); at != std::string::npos) {
      length = std::strtoul(lower.c_str() + at + 15, nullptr, 10);
    }
    while (buffer_.size() < length) {
      if (!Fill()) return response;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

 private:
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  bool Fill() {
    char buf[65536];
    ssize_t n = read(fd_, buf, sizeof(buf));
    if (n <= 0) return false;
    buffer_.append(buf, n);
    return true;
  }

  int fd_;
  std::string buffer_;
};

constexpr char kAfter[] = "GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n";

class HttpEdgeCases : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    server_ = std::make_unique<ServerScript>("edge_server.py");
    ASSERT_TRUE(server_->WaitUp("/after", 200)) << server_->process().Stderr();
    service_ = server_->ServiceName();
    agent_ = std::make_unique<Agent>(
        std::vector<std::string>{"--pid", std::to_string(server_->process().pid())});
    ASSERT_TRUE(agent_->WaitReady()) << agent_->process().Stderr();
    ASSERT_TRUE(WaitFor([&] { return agent_->Metric("hostlens_tracked_processes") == 1; }))
        << Excerpt(*agent_);
  }
  void TearDown() override {
    agent_.reset();
    server_.reset();
  }

  double Count(const std::string& method, const std::string& route, const std::string& status) {
    return agent_->SumOf(kServerCount, {{"service_name", service_},
                                        {"http_request_method", method},
                                        {"http_route", route},
                                        {"http_response_status_code", status}});
  }
  double CountRoute(const std::string& route) {
    return agent_->SumOf(kServerCount, {{"service_name", service_}, {"http_route", route}});
  }
  double Total() { return agent_->SumOf(kServerCount, {{"service_name", service_}}); }
  // Exchanges the kernel's HTTP/1 fast path sent compact, or declined for `outcome`.
  double FastPath(const std::string& outcome) {
    return agent_->SumOf("hostlens_http_fast_path_total", {{"outcome", outcome}});
  }

  // The exchange under test counted once under (method, route, status) and
  // under nothing else, and the /after request on the same connection once.
  void ExpectCountedOnce(const std::string& method, const std::string& route,
                         const std::string& status) {
    EXPECT_EQ(Settle([&] { return Count(method, route, status); }, 1), 1) << Excerpt(*agent_);
    EXPECT_EQ(Settle([&] { return Count("GET", "/after", "200"); }, 1), 1) << Excerpt(*agent_);
    EXPECT_EQ(CountRoute(route), 1) << Excerpt(*agent_);
    EXPECT_EQ(Total(), 2) << Excerpt(*agent_);
    ExpectNoEventsLost(*agent_, Excerpt);
  }

  std::string service_;
  std::unique_ptr<ServerScript> server_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(HttpEdgeCases, ChunkedResponseCountedOnceWhileTheConnectionStaysOpen) {
  Connection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.Send("GET /chunked HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const Response chunked = conn.Read();
  ASSERT_EQ(chunked.status, 200) << chunked.head;
  ASSERT_EQ(chunked.body, "5\r\nhello\r\n9\r\n, chunked\r\n7\r\n world\n\r\n0\r\n\r\n");
  // The end of the chunked body completes the request, not the close.
  EXPECT_EQ(Settle([&] { return Count("GET", "/chunked", "200"); }, 1), 1) << Excerpt(*agent_);
  ASSERT_TRUE(conn.Send(kAfter));
  ASSERT_EQ(conn.Read().status, 200);
  // The kept request goes to the agent's parser before the chunked response.
  EXPECT_EQ(FastPath("response_framing"), 1) << Excerpt(*agent_);
  ExpectCountedOnce("GET", "/chunked", "200");
}

TEST_F(HttpEdgeCases, HeadResponseHasNoBodyDespiteItsContentLength) {
  Connection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.Send("HEAD /head HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const Response head = conn.Read(/*no_body=*/true);
  ASSERT_EQ(head.status, 200) << head.head;
  ASSERT_NE(head.head.find("Content-Length: 1000\r\n"), std::string::npos) << head.head;
  ASSERT_TRUE(conn.Send(kAfter));
  const Response after = conn.Read();
  ASSERT_EQ(after.status, 200) << after.head;
  ASSERT_EQ(after.body, "after\n");
  // A response to HEAD ends with its head: one compact record.
  EXPECT_EQ(Settle([&] { return FastPath("compact"); }, 1), 1) << Excerpt(*agent_);
  ExpectCountedOnce("HEAD", "/head", "200");
}

TEST_F(HttpEdgeCases, NoContentResponseThenTheNextRequestOnTheConnection) {
  Connection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.Send("GET /empty HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  ASSERT_EQ(conn.Read().status, 204);
  ASSERT_TRUE(conn.Send(kAfter));
  ASSERT_EQ(conn.Read().body, "after\n");
  EXPECT_EQ(Settle([&] { return FastPath("compact"); }, 1), 1) << Excerpt(*agent_);
  ExpectCountedOnce("GET", "/empty", "204");
}

TEST_F(HttpEdgeCases, ExpectContinueCountsTheFinalResponseOnly) {
  Connection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  const std::string body(1000, 'b');
  ASSERT_TRUE(
      conn.Send("POST /upload HTTP/1.1\r\nHost: localhost\r\n"
                "Content-Type: application/octet-stream\r\n"
                "Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n"));
  const Response interim = conn.Read();
  ASSERT_EQ(interim.status, 100) << interim.head;
  ASSERT_TRUE(conn.Send(body));
  const Response final_response = conn.Read();
  ASSERT_EQ(final_response.status, 201) << final_response.head;
  ASSERT_EQ(final_response.body, "received 1000\n");
  ASSERT_TRUE(conn.Send(kAfter));
  ASSERT_EQ(conn.Read().body, "after\n");
  EXPECT_EQ(FastPath("request_expect"), 1) << Excerpt(*agent_);
  ExpectCountedOnce("POST", "/upload", "201");
}

TEST_F(HttpEdgeCases, RequestWrittenOneByteAtATime) {
  Connection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  int one = 1;
  setsockopt(conn.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const std::string request =
      "GET /bytewise HTTP/1.1\r\nHost: localhost\r\nUser-Agent: hostlens-bytewise\r\n\r\n";
  for (char c : request) {
    ASSERT_TRUE(conn.Send(std::string_view(&c, 1)));
    std::this_thread::sleep_for(2ms);
  }
  const Response response = conn.Read();
  ASSERT_EQ(response.status, 200) << response.head;
  ASSERT_EQ(response.body, "ok\n");
  ASSERT_TRUE(conn.Send(kAfter));
  ASSERT_EQ(conn.Read().body, "after\n");
  // Declined at the first byte; the connection is then the parser's until it is re-armed.
  EXPECT_EQ(FastPath("request_incomplete"), 1) << Excerpt(*agent_);
  ExpectCountedOnce("GET", "/bytewise", "200");
}

TEST_F(HttpEdgeCases, RequestWithSixteenKilobytesOfHeaders) {
  Connection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  std::string request = "GET /big-headers HTTP/1.1\r\nHost: localhost\r\n";
  constexpr int kFillers = 16;
  for (int i = 0; i < kFillers; ++i) {
    request += "X-Filler-" + std::to_string(i) + ": " + std::string(1024, 'a' + i) + "\r\n";
  }
  request += "\r\n";
  ASSERT_GE(request.size(), 16u * 1024);
  ASSERT_TRUE(conn.Send(request));
  const Response response = conn.Read();
  ASSERT_EQ(response.status, 200) << response.head;
  ASSERT_EQ(response.body, "headers " + std::to_string(kFillers + 1) + "\n");
  ASSERT_TRUE(conn.Send(kAfter));
  ASSERT_EQ(conn.Read().body, "after\n");
  EXPECT_EQ(FastPath("request_too_long"), 1) << Excerpt(*agent_);
  ExpectCountedOnce("GET", "/big-headers", "200");
}

}  // namespace
}  // namespace hostlens::testing
