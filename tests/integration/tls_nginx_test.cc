// HTTPS: nginx serving TLS with a certificate the test makes, hit by curl, ab and a C client
// (OpenSSL's SSL_read/SSL_write; the C client also seccomp-confined), by gnutls-cli (GnuTLS's
// gnutls_record_recv/send), by Python's http.client
// (SSL_read_ex/SSL_write_ex) and by the same C client linked statically and stripped (OpenSSL
// the agent cannot probe). The agent's counts must equal the clients'
// own on both sides, exactly; what it cannot decrypt it must say it missed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "https_nginx.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Labels = std::map<std::string, std::string>;

constexpr char kServerCount[] = "http_server_request_duration_seconds_count";
constexpr char kClientCount[] = "http_client_request_duration_seconds_count";
constexpr char kUncovered[] = "hostlens_tls_uncovered_connections_total";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {kServerCount, kClientCount, kUncovered, "hostlens_events_lost_total",
                                "hostlens_events_total", "hostlens_tracked"});
}

class TlsNginx : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    const std::string error = nginx_.Start(dir_.path());
    ASSERT_EQ(error, "");
    port_ = nginx_.port();
  }

  void TearDown() override { agent_.reset(); }

  void StartAgent(std::vector<std::string> args) {
    agent_ = std::make_unique<Agent>(args);
    ASSERT_TRUE(agent_->WaitReady()) << agent_->process().Stderr();
  }

  std::vector<std::string> NginxArgs() const { return {"--pid", std::to_string(nginx_.pid())}; }

  // A copy of `binary` named `name` in the test's directory, so a selector picks it alone.
  std::string CopyOf(const std::string& binary, const std::string& name) {
    const std::string copy = dir_.path() + "/" + name;
    fs::copy_file(binary, copy);
    fs::permissions(copy, fs::perms::owner_all);
    return copy;
  }

  double ServerCount(const std::string& route) {
    return agent_->SumOf(kServerCount, {{"service_name", "nginx"},
                                        {"http_request_method", "GET"},
                                        {"http_route", route},
                                        {"http_response_status_code", "200"}});
  }

  void ExpectNothingLost() {
    hostlens::testing::ExpectNoEventsLost(
        *agent_, Excerpt,
        {"ringbuf_full", "map_full", "parse", "http_request_evicted", "http_response_unmatched",
         "http_response_lost", "tls_no_socket"});
  }

  std::string Url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return nginx_.Url(path, host);
  }

  static constexpr const char* kLargePath = HttpsNginx::kLargePath;
  static constexpr size_t kLargeBytes = HttpsNginx::kLargeBytes;
  TempDir dir_{"tls-nginx"};
  HttpsNginx nginx_;
  uint16_t port_ = 0;
  std::unique_ptr<Agent> agent_;
};

TEST_F(TlsNginx, CurlAndNginxOverHttpsAreCountedOnBothSides) {
  const std::string curl = CopyOf("/usr/bin/curl", "hl-tls-curl");
  auto args = NginxArgs();
  args.insert(args.end(), {"--exe", "/hl-tls-curl$"});
  ASSERT_NO_FATAL_FAILURE(StartAgent(args));

  // Three requests on one keep-alive connection, the last one 100 KiB.
  const std::string hello = Url("/hello");
  auto run = RunCommand(curl + " -sk -w '%{http_code} %{num_connects} %{size_download}\\n' " +
                        hello + " " + hello + " " + Url(kLargePath) +
                        " -o /dev/null -o /dev/null -o /dev/null");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.output, "200 1 6\n200 0 6\n200 0 " + std::to_string(kLargeBytes) + "\n");
  // The application's own name for the server: the Host it sent.
  auto named = RunCommand(curl + " -sk -o /dev/null -w '%{http_code}\\n' --resolve "
                          "api.payments.example:" + std::to_string(port_) + ":127.0.0.1 " +
                          Url("/hello", "api.payments.example"));
  ASSERT_EQ(named.output, "200\n");

  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, 3), 3) << Excerpt(*agent_);
  EXPECT_EQ(ServerCount(kLargePath), 1) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kServerCount, {{"service_name", "nginx"}}), 4) << Excerpt(*agent_);

  const std::string port = std::to_string(port_);
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf(kClientCount, {{"service_name", "hl-tls-curl"},
                                                  {"server_address", "127.0.0.1:" + port},
                                                  {"http_response_status_code", "200"}});
            }, 3), 3)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kClientCount, {{"service_name", "hl-tls-curl"},
                                         {"server_address", "api.payments.example:" + port}}),
            1)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kClientCount, {{"service_name", "hl-tls-curl"}}), 4) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
}

TEST_F(TlsNginx, AbOverHttpsIsCountedExactlyWithAndWithoutKeepAlive) {
  ASSERT_NO_FATAL_FAILURE(StartAgent(NginxArgs()));
  auto keep_alive = RunCommand("timeout 180 ab -q -k -s 30 -n 3000 -c 8 " + Url("/hello"));
  ASSERT_EQ(keep_alive.exit_code, 0) << keep_alive.output;
  ASSERT_EQ(AbField(keep_alive.output, "Complete requests"), 3000) << keep_alive.output;
  ASSERT_EQ(AbField(keep_alive.output, "Failed requests"), 0) << keep_alive.output;
  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, 3000), 3000) << Excerpt(*agent_);

  auto per_request = RunCommand("timeout 180 ab -q -s 30 -n 300 -c 4 " + Url(kLargePath));
  ASSERT_EQ(per_request.exit_code, 0) << per_request.output;
  ASSERT_EQ(AbField(per_request.output, "Complete requests"), 300) << per_request.output;
  ASSERT_EQ(AbField(per_request.output, "Failed requests"), 0) << per_request.output;
  EXPECT_EQ(Settle([&] { return ServerCount(kLargePath); }, 300), 300) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
}

// A request that travels with the client's Finished is read by nginx's handshake (it turns
// read-ahead on) and returned by an SSL_read that makes no syscall: the agent knows the socket
// from SSL_do_handshake. One connection each: nginx frees its SSL objects and the allocator
// hands the next connection the same address, which must not lead to an old socket. Before the
// handshake probe, 199 of these 200 requests were lost (tls_no_socket), and under wrk's load
// a stale socket silently cost a fifth of the requests.
TEST_F(TlsNginx, RequestsSentWithTheFinishedAreCountedOnFreshConnections) {
  ASSERT_NO_FATAL_FAILURE(StartAgent(NginxArgs()));
  auto run = RunCommand("/usr/bin/python3 -B " HOSTLENS_SOURCE_DIR
                        "/tests/integration/clients/https_early_request.py 127.0.0.1 " +
                        std::to_string(port_) + " /hello 200");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto json = nlohmann::json::parse(run.output);
  ASSERT_EQ(json["statuses"], nlohmann::json({{"200", 200}})) << run.output;
  // Every connection after the first resumes its session: its Finished goes last.
  ASSERT_EQ(json["together"], 199) << run.output;
  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, 200), 200) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
}

// Python's ssl module calls only SSL_read_ex and SSL_write_ex. The client's connection is
// opened before the agent starts: both sides pick it up at its next TLS call.
TEST_F(TlsNginx, PythonClientOnAConnectionOlderThanTheAgentIsCountedOnBothSides) {
  const std::string trigger = dir_.path() + "/go";
  auto client = StartPython(HOSTLENS_SOURCE_DIR "/tests/integration/clients/https_client.py",
                            {"127.0.0.1", std::to_string(port_), "/hello", "2", "--then",
                             kLargePath, "5", "--after", trigger});
  ASSERT_TRUE(WaitFor([&] { return fs::exists(trigger + ".ready"); }, 30s)) << client->Stderr();

  auto args = NginxArgs();
  args.insert(args.end(), {"--pid", std::to_string(client->pid())});
  ASSERT_NO_FATAL_FAILURE(StartAgent(args));
  const std::string status = agent_->Get("/api/v1/status").body;
  auto json = nlohmann::json::parse(status);
  bool python_probed = false;
  for (const auto& p : json["tracked_processes"]["processes"]) {
    if (p["pid"] != client->pid()) continue;
    for (const auto& library : p["tls_libraries"]) {
      python_probed |= library["library"] == "openssl" && library["state"] == "attached";
    }
  }
  EXPECT_TRUE(python_probed) << status;

  const std::string python = ExeName(client->pid());
  std::ofstream(trigger) << "go\n";
  ASSERT_EQ(client->Wait(60s), 0) << client->Stderr();

  EXPECT_EQ(Settle([&] { return ServerCount(kLargePath); }, 5), 5) << Excerpt(*agent_);
  EXPECT_EQ(ServerCount("/hello"), 0) << "sent before the agent started\n" << Excerpt(*agent_);
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf(kClientCount, {{"service_name", python},
                                                  {"http_response_status_code", "200"}});
            }, 5), 5)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
}

// GnuTLS: gnutls-cli (gnutls_record_send/gnutls_record_recv; it links no OpenSSL) as the client,
// one keep-alive connection, each request sent once the previous response is in. gnutls-cli is
// done in a few tens of milliseconds, sooner than the scanner reads the two dozen libraries it
// maps the first time: another tracked process maps libgnutls first (as a service using GnuTLS
// on the same host would), so the library is attached when the client starts (README's TLS).
TEST_F(TlsNginx, GnutlsClientOverHttpsIsCountedOnBothSides) {
  ASSERT_EQ(MissingTools({"/usr/bin/gnutls-cli"}), "");
  const std::string client = CopyOf("/usr/bin/gnutls-cli", "hl-gnutls-cli");
  Process gnutls_user({"/usr/bin/python3", "-c",
                       "import ctypes, time; ctypes.CDLL('libgnutls.so.30'); time.sleep(120)"});
  const std::string maps = "/proc/" + std::to_string(gnutls_user.pid()) + "/maps";
  ASSERT_TRUE(WaitFor([&] { return ReadFile(maps).find("libgnutls") != std::string::npos; }, 10s))
      << gnutls_user.Stderr();
  auto args = NginxArgs();
  args.insert(args.end(), {"--exe", "/hl-gnutls-cli$", "--pid", std::to_string(gnutls_user.pid())});
  ASSERT_NO_FATAL_FAILURE(StartAgent(args));
  auto run = RunCommand("/usr/bin/python3 -B " HOSTLENS_SOURCE_DIR
                        "/tests/integration/clients/gnutls_http.py " +
                        client + " 127.0.0.1 " + std::to_string(port_) + " /hello 25");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.output, "{\"requests\": 25, \"responses\": {\"200\": 25}, \"exit_code\": 0}\n");
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf(kClientCount, {{"service_name", "hl-gnutls-cli"},
                                                  {"http_response_status_code", "200"}});
            }, 25), 25)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kClientCount, {{"service_name", "hl-gnutls-cli"}}), 25)
      << Excerpt(*agent_);
  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, 25), 25) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
}

// Secrets inside TLS, in a query string and in a header value: counted on both sides, and
// absent from /metrics, every API and the log at trace level.
TEST_F(TlsNginx, SecretsInsideHttpsNeverLeaveTheAgent) {
  const std::string curl = CopyOf("/usr/bin/curl", "hl-tls-curl");
  auto args = NginxArgs();
  args.insert(args.end(), {"--exe", "/hl-tls-curl$", "--log-level", "trace"});
  ASSERT_NO_FATAL_FAILURE(StartAgent(args));
  const std::string query_canary = "hostlens-https-query-canary-61f0";
  const std::string header_canary = "hostlens-https-header-canary-9ad4";
  const std::string url = Url("/hello?token=" + query_canary);
  auto run = RunCommand(curl + " -sk -H 'Authorization: Bearer " + header_canary +
                        "' -w '%{http_code}\n' -o /dev/null -o /dev/null -o /dev/null " + url +
                        " " + url + " " + url);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.output, "200\n200\n200\n");
  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, 3), 3) << Excerpt(*agent_);
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf(kClientCount, {{"service_name", "hl-tls-curl"},
                                                  {"http_response_status_code", "200"}});
            }, 3), 3)
      << Excerpt(*agent_);
  const std::string everything = AllTheAgentShows(*agent_);
  EXPECT_EQ(everything.find(query_canary), std::string::npos);
  EXPECT_EQ(everything.find(header_canary), std::string::npos);
  EXPECT_EQ(everything.find("token="), std::string::npos);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
}

// OpenSSL linked into a stripped executable: nothing the agent can probe. nginx's side is still
// counted; the client's connection is counted as not covered, and why, and the status says so.
TEST_F(TlsNginx, ClientWithATlsLibraryTheAgentCannotProbeIsCountedUncovered) {
  const std::string client = CopyOf(HOSTLENS_TLS_CLIENT_STATIC, "hl-static-tls");
  auto args = NginxArgs();
  args.insert(args.end(), {"--exe", "/hl-static-tls$"});
  ASSERT_NO_FATAL_FAILURE(StartAgent(args));
  for (int i = 0; i < 2; ++i) {
    auto run = RunCommand(client + " 127.0.0.1 " + std::to_string(port_) + " /hello 3");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    ASSERT_EQ(run.output, "200 3\n");
  }
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf(kUncovered,
                                   {{"service_name", "hl-static-tls"}, {"reason", "no_symbols"}});
            }, 2), 2)
      << Excerpt(*agent_) << agent_->process().Stderr();
  EXPECT_EQ(agent_->SumOf(kUncovered), 2) << Excerpt(*agent_);
  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, 6), 6) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kClientCount, {{"service_name", "hl-static-tls"}}), 0)
      << Excerpt(*agent_);
  ExpectNothingLost();
}

// The return probes must never crash the traced process, not even one that confined itself with
// seccomp to a few syscalls (uretprobes on x86 return through a syscall of their own on recent
// kernels; a filter that does not know it would kill the process).
TEST_F(TlsNginx, SeccompConfinedClientSurvivesTheProbesAndIsCounted) {
  const std::string client = CopyOf(HOSTLENS_TLS_CLIENT, "hl-seccomp-tls");
  auto args = NginxArgs();
  args.insert(args.end(), {"--exe", "/hl-seccomp-tls$"});
  ASSERT_NO_FATAL_FAILURE(StartAgent(args));
  auto run =
      RunCommand(client + " 127.0.0.1 " + std::to_string(port_) + " " + kLargePath + " 20 --seccomp");
  ASSERT_EQ(run.exit_code, 0) << "the confined client died: " << run.output;
  ASSERT_EQ(run.output, "200 20\n");
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf(kClientCount, {{"service_name", "hl-seccomp-tls"},
                                                  {"http_response_status_code", "200"}});
            }, 20), 20)
      << Excerpt(*agent_);
  EXPECT_EQ(Settle([&] { return ServerCount(kLargePath); }, 20), 20) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
}

}  // namespace
}  // namespace hostlens::testing
