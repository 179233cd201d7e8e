// Accept metrics: a listener that leaves each connection 300 ms in the accept
// queue (servers/slow_accept_server.py) and five clients connecting at once.
// One accept per connection, and every wait at least 300 ms.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <latch>
#include <memory>
#include <thread>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(
      agent, {"tcp_accept", "http_server_request_duration_seconds_count",
              "hostlens_events_lost_total", "hostlens_events_total", "hostlens_tracked"});
}

// Connects, sends one request, reads the answer to the end: true on a 200.
bool OneRequest(uint16_t port) {
  int fd = ConnectLoopback(port, 20s);
  if (fd < 0) return false;
  const std::string request = "GET /slow HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  std::string response;
  if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) response.append(buf, n);
  }
  close(fd);
  return response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0;
}

class AcceptWait : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    server_ = std::make_unique<ServerScript>("slow_accept_server.py");
    ASSERT_TRUE(server_->WaitUp("/", 200)) << server_->process().Stderr();
    service_ = server_->ServiceName();
  }

  std::string service_;
  std::unique_ptr<ServerScript> server_;
};

TEST_F(AcceptWait, EveryConnectionAcceptedOnceAfterWaitingInTheQueue) {
  Agent agent({"--pid", std::to_string(server_->process().pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 1; }))
      << Excerpt(agent);
  const std::map<std::string, std::string> port_labels = {
      {"service_name", service_}, {"server_port", std::to_string(server_->port())}};
  ASSERT_EQ(agent.SumOf("tcp_accepts_total", port_labels), 0) << Excerpt(agent);

  constexpr int kClients = 5;
  std::atomic<int> answered = 0;
  std::latch start(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      start.arrive_and_wait();
      if (OneRequest(server_->port())) ++answered;
    });
  }
  for (auto& t : clients) t.join();
  const int connections = answered.load();  // the clients' own count
  ASSERT_EQ(connections, kClients);

  EXPECT_EQ(Settle([&] { return agent.SumOf("tcp_accepts_total", port_labels); }, connections),
            connections)
      << Excerpt(agent);
  EXPECT_EQ(Settle([&] { return agent.SumOf("tcp_accept_wait_seconds_count", port_labels); },
                   connections),
            connections)
      << Excerpt(agent);
  const double wait_sum = agent.SumOf("tcp_accept_wait_seconds_sum", port_labels);
  RecordProperty("accept_wait_seconds_sum", std::to_string(wait_sum));
  EXPECT_GE(wait_sum / connections, 0.3) << Excerpt(agent);

  // No wait under 300 ms: the 0.25 s bucket is empty and +Inf holds all.
  std::optional<double> under_quarter, all;
  for (const auto& s : ParseSamples(agent.Get("/metrics").body)) {
    if (s.name != "tcp_accept_wait_seconds_bucket" || s.labels.count("server_port") == 0 ||
        s.labels.at("server_port") != std::to_string(server_->port())) {
      continue;
    }
    const std::string& le = s.labels.at("le");
    if (le == "+Inf")
      all = s.value;
    else if (std::strtod(le.c_str(), nullptr) == 0.25)
      under_quarter = s.value;
  }
  EXPECT_EQ(under_quarter, 0) << Excerpt(agent);
  EXPECT_EQ(all, connections) << Excerpt(agent);

  // The listener speaks HTTP too: one request per connection.
  EXPECT_EQ(Settle(
                [&] {
                  return agent.SumOf("http_server_request_duration_seconds_count",
                                     {{"service_name", service_},
                                      {"http_request_method", "GET"},
                                      {"http_route", "/slow"},
                                      {"http_response_status_code", "200"}});
                },
                connections),
            connections)
      << Excerpt(agent);
  ExpectNoEventsLost(agent, Excerpt);
}

}  // namespace
}  // namespace hostlens::testing
