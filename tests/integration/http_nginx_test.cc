// HTTP metrics of an uninstrumented nginx (Debian's, with a config of the
// test's own on a loopback port), driven by ab, a raw pipelining client and
// curl: the agent's counts must equal the clients' own counts, exactly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Labels = std::map<std::string, std::string>;

constexpr char kServerCount[] = "http_server_request_duration_seconds_count";
constexpr char kClientCount[] = "http_client_request_duration_seconds_count";

// The /metrics lines of the families these tests look at, for failure messages.
std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(
      agent,
      {"http_server_request_duration_seconds_count", "http_client_request_duration_seconds_count",
       "hostlens_events_lost_total", "hostlens_events_total", "hostlens_tracked",
       "hostlens_series_limited_total", "hostlens_connections_evicted_total",
       "hostlens_http_fast_path_total"});
}

// Exchanges the kernel's HTTP/1 fast path sent as one compact record, or declined for `outcome`.
double FastPath(Agent& agent, const std::string& outcome) {
  return agent.SumOf("hostlens_http_fast_path_total", {{"outcome", outcome}});
}

// nginx's server block: a loopback port and a Unix socket, a short reply and static files sent
// with sendfile.
constexpr char kNginxServer[] = R"(  server {
    listen 127.0.0.1:@PORT@;
    listen unix:@DIR@/nginx.sock;
    location = /hello {
      default_type text/plain;
      return 200 "hello\n";
    }
    location /static/ {
      root @DIR@/www;
      sendfile on;
    }
  }
)";

class HttpNginx : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    fs::permissions(dir_.path(),
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    port_ = FreePort();

    fs::create_directories(dir_.path() + "/www/static");
    static_path_ = "/static/large.html";
    std::ofstream(dir_.path() + "/www" + static_path_) << std::string(kStaticBytes, 'x');

    nginx_ = StartNginx(dir_.path(), port_, kNginxServer);
    ASSERT_TRUE(WaitForHttpStatus(port_, "/hello", 200, 10s))
        << nginx_->Stderr() << ReadFile(dir_.path() + "/error.log");
  }

  void TearDown() override {
    agent_.reset();
    if (nginx_) nginx_->KillGroup();
  }

  // The agent watching nginx's master and its worker (started before it).
  void StartAgentOnNginx(std::vector<std::string> extra_args = {}) {
    extra_args.insert(extra_args.begin(), {"--pid", std::to_string(nginx_->pid())});
    agent_ = std::make_unique<Agent>(extra_args);
    ASSERT_TRUE(agent_->WaitReady()) << agent_->process().Stderr();
    ASSERT_TRUE(WaitFor([&] { return agent_->Metric("hostlens_tracked_processes") == 2; }))
        << Excerpt(*agent_);
  }

  double ServerCount(const std::string& route, const std::string& status = "200") {
    return agent_->SumOf(kServerCount, {{"service_name", "nginx"},
                                        {"http_request_method", "GET"},
                                        {"http_route", route},
                                        {"http_response_status_code", status}});
  }

  void ExpectNoEventsLost() {
    hostlens::testing::ExpectNoEventsLost(
        *agent_, Excerpt,
        {"ringbuf_full", "map_full", "parse", "http_request_evicted", "http_response_unmatched",
         "http_response_lost"});
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  static constexpr size_t kStaticBytes = 200 * 1024;
  TempDir dir_{"nginx"};
  uint16_t port_ = 0;
  std::string static_path_;
  std::unique_ptr<Process> nginx_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(HttpNginx, KeepAliveLoadCountsEveryRequestAndLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartAgentOnNginx());
  ASSERT_EQ(ServerCount("/hello"), 0) << Excerpt(*agent_);

  auto ab = RunCommand("timeout 180 ab -q -k -s 30 -n 20000 -c 16 " + Url("/hello"));
  ASSERT_EQ(ab.exit_code, 0) << ab.output;
  const long completed = AbField(ab.output, "Complete requests");
  EXPECT_EQ(completed, 20000) << ab.output;
  EXPECT_EQ(AbField(ab.output, "Failed requests"), 0) << ab.output;

  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, completed), completed)
      << Excerpt(*agent_) << ab.output;
  EXPECT_EQ(agent_->SumOf(kServerCount, {{"service_name", "nginx"}}), completed)
      << Excerpt(*agent_);
  // Every one of them one request per read and one response per write: all compact.
  EXPECT_EQ(FastPath(*agent_, "compact"), completed) << Excerpt(*agent_);
  ExpectNoEventsLost();
  // The kernel's maps as the operator sees them: nginx's two processes tracked, and once ab's
  // connections are closed, none of them (nor a kept request) left behind.
  EXPECT_EQ(agent_->Metric("hostlens_bpf_map_entries{map=\"tracked\"}"), 2);
  EXPECT_EQ(agent_->Metric("hostlens_bpf_map_max_entries{map=\"tracked\"}"), 65536);
  EXPECT_EQ(Settle([&] { return *agent_->Metric("hostlens_bpf_map_entries{map=\"conns\"}"); }, 0),
            0)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->Metric("hostlens_bpf_map_entries{map=\"http_pending\"}"), 0);
}

// Overload: a burst far beyond what a one-page ring buffer can carry (64 keep-alive connections,
// every payload sent to the agent). The agent stays alive and answers /healthz throughout, says
// how much it lost, and once the burst is over counts a quiet load on new connections exactly.
TEST_F(HttpNginx, BurstBeyondATinyRingBufferIsCountedLostThenAQuietLoadIsExact) {
  ASSERT_NO_FATAL_FAILURE(StartAgentOnNginx(
      {"--ring-buffer-size", std::to_string(getpagesize()), "--no-http-fast-path"}));
  std::atomic<bool> burst_over{false};
  std::atomic<int> health_checks{0}, health_failures{0};
  std::thread health([&] {
    while (!burst_over) {
      if (agent_->Get("/healthz").status != 200) ++health_failures;
      ++health_checks;
      std::this_thread::sleep_for(50ms);
    }
  });
  auto ab = RunCommand("timeout 180 ab -q -k -s 30 -n 30000 -c 64 " + Url("/hello"));
  burst_over = true;
  health.join();
  ASSERT_EQ(ab.exit_code, 0) << ab.output;
  EXPECT_EQ(AbField(ab.output, "Complete requests"), 30000) << ab.output;
  EXPECT_GT(health_checks, 0);
  EXPECT_EQ(health_failures, 0) << health_checks << " checks";
  const double lost = agent_->SumOf("hostlens_events_lost_total", {{"reason", "ringbuf_full"}});
  EXPECT_GT(lost, 0) << "the burst was meant to overflow the ring buffer\n" << Excerpt(*agent_);
  ASSERT_EQ(agent_->process().Wait(0ms), std::nullopt) << agent_->process().Stderr();

  // What the burst left settles (its connections are closed), then 100 requests, one at a time
  // on a connection each and paced, are counted exactly on top of it.
  double before = -1;
  ASSERT_TRUE(WaitFor([&] {
    const double now = agent_->SumOf(kServerCount, {{"service_name", "nginx"}});
    const bool stable = now == before;
    before = now;
    std::this_thread::sleep_for(500ms);
    return stable;
  })) << Excerpt(*agent_);
  const double lost_before = agent_->SumOf("hostlens_events_lost_total", {{"reason", "ringbuf_full"}});
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(HttpRequest(port_, "/hello").status, 200);
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(Settle([&] { return agent_->SumOf(kServerCount, {{"service_name", "nginx"}}); },
                   before + 100),
            before + 100)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf("hostlens_events_lost_total", {{"reason", "ringbuf_full"}}), lost_before)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->Get("/healthz").status, 200);
}

// 20,000 connections open at once to a tracked nginx, one request each: every request counted,
// every connection followed (the agent's and the kernel's tables), the agent under 64 MB; when
// they close, the tables empty.
TEST(HttpNginxScale, TwentyThousandConcurrentConnectionsAreFollowedAndCounted) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  // Two nginx workers and two clients of 10,000 each: every process stays under a hard
  // RLIMIT_NOFILE of 20,000 (raising it takes CAP_SYS_RESOURCE, which a container may not have).
  constexpr int kConnections = 20000;
  constexpr int kPerProcess = kConnections / 2;
  TempDir dir("nginx-scale");
  const uint16_t port = FreePort();
  auto nginx = StartNginx(dir.path(), port, kNginxServer, kPerProcess + 1000, /*workers=*/2);
  ASSERT_TRUE(WaitForHttpStatus(port, "/hello", 200, 10s)) << ReadFile(dir.path() + "/error.log");
  Agent agent({"--pid", std::to_string(nginx->pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 3; }))
      << Excerpt(agent);
  const double before = agent.SumOf(kServerCount, {{"service_name", "nginx"}});

  std::vector<std::unique_ptr<Process>> clients;
  std::vector<std::string> ready;
  for (int i = 0; i < 2; ++i) {
    ready.push_back(dir.path() + "/ready" + std::to_string(i));
    clients.push_back(std::make_unique<Process>(std::vector<std::string>{
        "/usr/bin/python3", "-B", HOSTLENS_SOURCE_DIR "/tests/integration/clients/many_connections.py",
        std::to_string(port), "/hello", std::to_string(kPerProcess), ready.back(), "60"}));
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(WaitFor(
        [&] {
          return (fs::exists(ready[i]) && ReadFile(ready[i]) == std::to_string(kPerProcess)) ||
                 clients[i]->Wait(0ms).has_value();
        },
        120s));
    ASSERT_EQ(ReadFile(ready[i]), std::to_string(kPerProcess))
        << clients[i]->Stderr() << ReadFile(dir.path() + "/error.log");
  }
  auto served = [&] { return agent.SumOf(kServerCount, {{"service_name", "nginx"}}) - before; };
  EXPECT_EQ(Settle(served, kConnections), kConnections) << Excerpt(agent);
  EXPECT_EQ(Settle([&] { return *agent.Metric("hostlens_tracked_connections"); }, kConnections),
            kConnections)
      << Excerpt(agent);
  EXPECT_EQ(agent.Metric("hostlens_bpf_map_entries{map=\"conns\"}"), kConnections);
  const std::string status = ReadFile("/proc/" + std::to_string(agent.process().pid()) + "/status");
  const size_t rss_kb = std::stoul(status.substr(status.find("VmRSS:") + 6));
  EXPECT_LT(rss_kb, 64u * 1024) << "VmRSS " << rss_kb << " kB";
  std::cout << "agent VmRSS with " << kConnections << " connections open: " << rss_kb << " kB\n";
  EXPECT_EQ(agent.SumOf("hostlens_connections_evicted_total"), 0);
  hostlens::testing::ExpectNoEventsLost(agent, Excerpt);

  for (auto& client : clients) client->KillGroup();
  EXPECT_EQ(Settle([&] { return *agent.Metric("hostlens_tracked_connections"); }, 0), 0)
      << Excerpt(agent);
  EXPECT_EQ(Settle([&] { return *agent.Metric("hostlens_bpf_map_entries{map=\"conns\"}"); }, 0),
            0);
  nginx->KillGroup();
}

// The same load with the fast path off: every payload goes to the agent, the counts are the same.
TEST_F(HttpNginx, KeepAliveLoadCountsTheSameWithoutTheFastPath) {
  ASSERT_NO_FATAL_FAILURE(StartAgentOnNginx({"--no-http-fast-path"}));
  auto ab = RunCommand("timeout 180 ab -q -k -s 30 -n 5000 -c 16 " + Url("/hello"));
  ASSERT_EQ(ab.exit_code, 0) << ab.output;
  const long completed = AbField(ab.output, "Complete requests");
  EXPECT_EQ(completed, 5000) << ab.output;
  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, completed), completed)
      << Excerpt(*agent_) << ab.output;
  EXPECT_EQ(agent_->SumOf("hostlens_events_total", {{"kind", "http_exchange"}}), 0)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf("hostlens_http_fast_path_total", {}), 0) << Excerpt(*agent_);
  ExpectNoEventsLost();
}

TEST_F(HttpNginx, ConnectionPerRequestLoadCountsEveryRequestAndLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartAgentOnNginx());
  auto ab = RunCommand("timeout 180 ab -q -s 30 -n 5000 -c 16 " + Url("/hello"));
  ASSERT_EQ(ab.exit_code, 0) << ab.output;
  const long completed = AbField(ab.output, "Complete requests");
  EXPECT_EQ(completed, 5000) << ab.output;
  EXPECT_EQ(AbField(ab.output, "Failed requests"), 0) << ab.output;

  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, completed), completed)
      << Excerpt(*agent_) << ab.output;
  EXPECT_EQ(agent_->SumOf(kServerCount, {{"service_name", "nginx"}}), completed)
      << Excerpt(*agent_);
  ExpectNoEventsLost();
}

TEST_F(HttpNginx, StaticFileSentWithSendfileCountsEveryRequest) {
  ASSERT_NO_FATAL_FAILURE(StartAgentOnNginx());
  auto ab = RunCommand("timeout 180 ab -q -k -s 30 -n 500 -c 4 " + Url(static_path_));
  ASSERT_EQ(ab.exit_code, 0) << ab.output;
  EXPECT_EQ(AbField(ab.output, "Document Length"), static_cast<long>(kStaticBytes)) << ab.output;
  const long completed = AbField(ab.output, "Complete requests");
  EXPECT_EQ(completed, 500) << ab.output;
  EXPECT_EQ(AbField(ab.output, "Failed requests"), 0) << ab.output;

  EXPECT_EQ(Settle([&] { return ServerCount(static_path_); }, completed), completed)
      << Excerpt(*agent_) << ab.output;
  EXPECT_EQ(agent_->SumOf(kServerCount, {{"service_name", "nginx"}}), completed)
      << Excerpt(*agent_);
  // The head is written alone, the body follows with sendfile: each response in pieces, handed
  // back to the agent's parser.
  EXPECT_EQ(FastPath(*agent_, "response_in_pieces"), completed) << Excerpt(*agent_);
  EXPECT_EQ(FastPath(*agent_, "compact"), 0) << Excerpt(*agent_);
  ExpectNoEventsLost();
}

// 50 requests in one write; nginx reads them 1024 bytes at a time and writes
// 50 responses, so most requests start past the head of the read they are in.
void SendFiftyPipelinedRequests(uint16_t port, int* answered) {
  constexpr int kRequests = 50;
  std::string requests;
  for (int i = 1; i <= kRequests; ++i) {
    requests += "GET /hello HTTP/1.1\r\nHost: localhost\r\n";
    requests += i == kRequests ? "Connection: close\r\n\r\n" : "\r\n";
  }
  int fd = ConnectLoopback(port, 10s);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, requests.data(), requests.size()), static_cast<ssize_t>(requests.size()));
  std::string responses;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) responses.append(buf, n);
  close(fd);

  *answered = 0;
  for (size_t at = responses.find("HTTP/1.1 200 OK\r\n"); at != std::string::npos;
       at = responses.find("HTTP/1.1 200 OK\r\n", at + 1)) {
    ++*answered;
  }
  ASSERT_EQ(*answered, kRequests) << responses;
}

TEST_F(HttpNginx, FiftyPipelinedRequestsInOneWriteCountFifty) {
  ASSERT_NO_FATAL_FAILURE(StartAgentOnNginx());
  const double before = ServerCount("/hello");
  int answered = 0;
  ASSERT_NO_FATAL_FAILURE(SendFiftyPipelinedRequests(port_, &answered));
  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, before + answered), before + answered)
      << Excerpt(*agent_);
  ExpectNoEventsLost();
}

// The same with every byte nginx reads captured (its reads are at most 1024
// bytes here): what is left to get right is the parsing across reads.
TEST_F(HttpNginx, FiftyPipelinedRequestsCountFiftyWhenAllTheirBytesAreCaptured) {
  ASSERT_NO_FATAL_FAILURE(StartAgentOnNginx({"--capture-bytes", "4096"}));
  const double before = ServerCount("/hello");
  int answered = 0;
  ASSERT_NO_FATAL_FAILURE(SendFiftyPipelinedRequests(port_, &answered));
  EXPECT_EQ(Settle([&] { return ServerCount("/hello"); }, before + answered), before + answered)
      << Excerpt(*agent_);
  ExpectNoEventsLost();
}

TEST_F(HttpNginx, CurlReusingOneConnectionCountsThreeClientRequests) {
  const std::string curl = dir_.path() + "/hl-client-curl";
  fs::copy_file("/usr/bin/curl", curl);
  fs::permissions(curl, fs::perms::owner_all);
  agent_ = std::make_unique<Agent>(std::vector<std::string>{"--exe", "/hl-client-curl$"});
  ASSERT_TRUE(agent_->WaitReady()) << agent_->process().Stderr();

  const std::string url = Url("/hello");
  auto run = RunCommand(curl + " -s -w '%{http_code} %{num_connects}\\n' " + url + " " + url + " " +
                        url + " -o /dev/null -o /dev/null -o /dev/null");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // Three 200s, one connection opened, two reuses of it.
  ASSERT_EQ(run.output, "200 1\n200 0\n200 0\n");

  const Labels labels = {{"service_name", "hl-client-curl"},
                         {"server_address", "127.0.0.1:" + std::to_string(port_)},
                         {"http_request_method", "GET"},
                         {"http_response_status_code", "200"}};
  EXPECT_EQ(Settle([&] { return agent_->SumOf(kClientCount, labels); }, 3), 3)
      << "expected server_address=\"127.0.0.1:" << port_ << "\"\n"
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kClientCount, {{"service_name", "hl-client-curl"}}), 3)
      << Excerpt(*agent_);
  ExpectNoEventsLost();
}

// Django talks to PostgreSQL, and nginx to gunicorn, over Unix sockets on
// one host: the client side is named by the server's socket path.
TEST_F(HttpNginx, ClientOverUnixSocketIsNamedBySocketPath) {
  const std::string curl = dir_.path() + "/hl-unix-curl";
  fs::copy_file("/usr/bin/curl", curl);
  fs::permissions(curl, fs::perms::owner_all);
  agent_ = std::make_unique<Agent>(std::vector<std::string>{"--exe", "/hl-unix-curl$"});
  ASSERT_TRUE(agent_->WaitReady()) << agent_->process().Stderr();

  const std::string socket = dir_.path() + "/nginx.sock";
  auto run = RunCommand(curl + " -s --unix-socket " + socket + " -w '%{http_code}\\n' " +
                        "http://localhost/hello http://localhost/hello -o /dev/null -o /dev/null");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.output, "200\n200\n");

  const Labels labels = {{"service_name", "hl-unix-curl"},
                         {"server_address", socket},
                         {"http_request_method", "GET"},
                         {"http_response_status_code", "200"}};
  EXPECT_EQ(Settle([&] { return agent_->SumOf(kClientCount, labels); }, 2), 2)
      << Excerpt(*agent_);
  ExpectNoEventsLost();
}

}  // namespace
}  // namespace hostlens::testing
