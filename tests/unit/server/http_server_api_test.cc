// /api/v1/slow-queries and /api/v1/routes through a real HttpServer on a loopback port: query
// parameters parsed per endpoint, 400 with the reason on bad ones, 404 when not wired in.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "agent/server/http_server.h"
#include "tests/unit/server/gunzip.h"

namespace hostlens::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A port free a moment ago (bound to port 0 and released).
uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// One request, Connection: close; the whole response. `headers`: more header lines, each ending
// in CRLF.
std::string Get(uint16_t port, const std::string& target, const std::string& headers = "") {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "connect failed";
  }
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + headers +
      "\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return "write failed";
  }
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) response.append(buf, n);
  close(fd);
  return response;
}

std::string Body(const std::string& response) {
  const size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

class HttpServerApiTest : public ::testing::Test {
 protected:
  void Start(bool with_apis, Security security = {}) {
    Endpoints e;
    e.metrics = [] { return std::string("m 1\n"); };
    e.healthy = [] { return true; };
    e.not_ready_reason = [] { return std::optional<std::string>(); };
    e.status_json = [] { return std::string("{}"); };
    if (with_apis) {
      e.slow_queries_json = [](const ApiQuery& q) {
        return "{\"slow\":\"" + q.service + "|" + q.system + "|" + std::to_string(q.limit) + "\"}";
      };
      e.routes_json = [](const ApiQuery& q) {
        return "{\"routes\":\"" + q.service + "|" + std::to_string(q.limit) + "\"}";
      };
    }
    for (int attempt = 0; attempt < 5 && !server_; ++attempt) {
      port_ = FreePort();
      auto started = HttpServer::Start("127.0.0.1:" + std::to_string(port_), e, security);
      if (auto* server = std::get_if<std::unique_ptr<HttpServer>>(&started)) {
        server_ = std::move(*server);
      }
    }
    ASSERT_TRUE(server_);
  }

  uint16_t port_ = 0;
  std::unique_ptr<HttpServer> server_;
};

// One test for the three cases: stopping CivetWeb takes about 2 s.
TEST_F(HttpServerApiTest, ApisGetTheirParsedParametersAndBadOnesAre400) {
  Start(true);
  std::string r = Get(port_, "/api/v1/slow-queries?service=my%20app&system=mysql&limit=5");
  EXPECT_THAT(r, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(r, HasSubstr("Content-Type: application/json"));
  EXPECT_EQ(Body(r), "{\"slow\":\"my app|mysql|5\"}");
  EXPECT_EQ(Body(Get(port_, "/api/v1/slow-queries")), "{\"slow\":\"||0\"}");

  r = Get(port_, "/api/v1/routes?service=api&limit=3");
  EXPECT_THAT(r, StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(Body(r), "{\"routes\":\"api|3\"}");

  r = Get(port_, "/api/v1/slow-queries?limit=0");
  EXPECT_THAT(r, StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(Body(r), "limit must be a whole number from 1 to 10000\n");
  r = Get(port_, "/api/v1/routes?system=mysql");  // routes have no system
  EXPECT_THAT(r, StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(Body(r), "unknown parameter 'system' (accepted: service, limit)\n");
  r = Get(port_, "/api/v1/slow-queries?service=%zz");
  EXPECT_THAT(r, StartsWith("HTTP/1.1 400"));
  EXPECT_EQ(Body(r), "bad percent-encoding in 'service'\n");
}

// /metrics answers gzip to a scraper that asks for it (Prometheus sends "Accept-Encoding: gzip"),
// and the same text decompressed; plain text to one that does not, or refuses gzip.
TEST_F(HttpServerApiTest, MetricsAreGzippedWhenAskedFor) {
  Start(false);
  std::string r = Get(port_, "/metrics", "Accept-Encoding: gzip\r\n");
  EXPECT_THAT(r, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(r, HasSubstr("Content-Encoding: gzip\r\n"));
  EXPECT_THAT(r, HasSubstr("Vary: Accept-Encoding\r\n"));
  EXPECT_EQ(Gunzip(Body(r)), "m 1\n");
  for (const char* refusal : {"", "Accept-Encoding: identity\r\n", "Accept-Encoding: gzip;q=0\r\n"}) {
    r = Get(port_, "/metrics", refusal);
    EXPECT_THAT(r, StartsWith("HTTP/1.1 200")) << refusal;
    EXPECT_THAT(r, Not(HasSubstr("Content-Encoding"))) << refusal;
    EXPECT_EQ(Body(r), "m 1\n") << refusal;
  }
}

// Request limits: headers over 16 KiB get 400; clients that connect and send nothing lose their
// worker after the request timeout, so more of them than there are workers delay a scrape by
// about one timeout, not hold it.
TEST_F(HttpServerApiTest, BigHeadersAre400AndIdleClientsDoNotHoldTheEndpoint) {
  Start(false);
  EXPECT_THAT(Get(port_, "/metrics", "X-Big: " + std::string(15000, 'a') + "\r\n"),
              StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(Get(port_, "/metrics", "X-Big: " + std::string(32768, 'a') + "\r\n"),
              StartsWith("HTTP/1.0 400"));

  std::vector<int> idle;
  for (int i = 0; i < HttpServer::kWorkers + 4; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    idle.push_back(fd);
  }
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Body(Get(port_, "/metrics")), "m 1\n");
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_LT(waited, std::chrono::milliseconds(2 * HttpServer::kRequestTimeoutMs + 1000));
  // The idle ones were closed by the server by now (a read sees the end).
  char byte;
  for (int fd : idle) {
    EXPECT_EQ(read(fd, &byte, 1), 0);
    close(fd);
  }
}

TEST_F(HttpServerApiTest, ApisNotWiredInAre404) {
  Start(false);
  EXPECT_THAT(Get(port_, "/api/v1/slow-queries"), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(port_, "/api/v1/routes?limit=1"), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(port_, "/api/v1/routes/extra"), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(port_, "/metrics"), StartsWith("HTTP/1.1 200"));
}


// Basic auth in front of every path and method; --web-open-health leaves the probes open.
TEST_F(HttpServerApiTest, BasicAuthGuardsEveryPathButOpenHealth) {
  Security security;
  // bcrypt of "secret", cost 4.
  security.basic_auth_users = {
      {"prometheus", "$2y$04$X8yOB8ZH3zw7PEOjrtLmCuC6KPojgrf0Nw8valkzcp1srjtXkwM6m"}};
  security.open_health = true;
  Start(true, security);
  const std::string right = "Authorization: Basic cHJvbWV0aGV1czpzZWNyZXQ=\r\n";
  const std::string wrong = "Authorization: Basic cHJvbWV0aGV1czp3cm9uZw==\r\n";
  for (const char* path : {"/metrics", "/api/v1/status", "/api/v1/routes", "/nope"}) {
    for (const std::string& headers : {std::string(), wrong}) {
      const std::string r = Get(port_, path, headers);
      EXPECT_THAT(r, StartsWith("HTTP/1.1 401")) << path;
      EXPECT_THAT(r, HasSubstr("WWW-Authenticate: Basic realm=\"hostlens\"\r\n")) << path;
    }
  }
  std::string r = Get(port_, "/metrics", right);
  EXPECT_THAT(r, StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(Body(r), "m 1\n");
  EXPECT_THAT(Get(port_, "/nope", right), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(port_, "/healthz"), StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(Get(port_, "/readyz"), StartsWith("HTTP/1.1 200"));
}

TEST_F(HttpServerApiTest, HealthNeedsCredentialsUnlessOpened) {
  Security security;
  security.basic_auth_users = {
      {"prometheus", "$2y$04$X8yOB8ZH3zw7PEOjrtLmCuC6KPojgrf0Nw8valkzcp1srjtXkwM6m"}};
  Start(false, security);
  EXPECT_THAT(Get(port_, "/healthz"), StartsWith("HTTP/1.1 401"));
  EXPECT_THAT(Get(port_, "/readyz"), StartsWith("HTTP/1.1 401"));
  EXPECT_THAT(Get(port_, "/healthz", "Authorization: Basic cHJvbWV0aGV1czpzZWNyZXQ=\r\n"),
              StartsWith("HTTP/1.1 200"));
}

// This test binary is not the agent's: it lacks the OpenSSL 3 fix for CivetWeb
// (civetweb_openssl3.cc), and TLS is refused with a reason instead of crashing on a connection.
TEST(HttpServerTlsTest, RefusedWithoutTheCivetwebFix) {
  Security security;
  security.tls = config::TlsServerConfig{"/nonexistent.crt", "/nonexistent.key",
                                         config::ClientAuth::kNoClientCert, ""};
  auto started = HttpServer::Start("127.0.0.1:" + std::to_string(FreePort()), Endpoints{}, security);
  ASSERT_TRUE(std::holds_alternative<std::string>(started));
  EXPECT_THAT(std::get<std::string>(started), StartsWith("TLS: TLS needs the hostlens binary"));
}

}  // namespace
}  // namespace hostlens::server
