// Faults, each against the real agent and kernel: a tracked server killed in the middle of a
// request (its connections end, nothing is half-counted later, the kernel's tables are emptied);
// a pid recycled by another process (a new process to the agent).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kServerCount[] = "http_server_request_duration_seconds_count";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {kServerCount, "hostlens_tracked", "hostlens_bpf_map_entries",
                                "hostlens_events_lost_total", "hostlens_http_fast_path_total"});
}

TEST(Faults, TrackedServerKilledMidRequestLeavesNothingHalfCounted) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  ServerScript server("fault_server.py");
  ASSERT_TRUE(server.WaitUp("/fast", 200));
  Agent agent({"--pid", std::to_string(server.process().pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 1; }))
      << Excerpt(agent);

  for (int i = 0; i < 3; ++i) ASSERT_EQ(HttpRequest(server.port(), "/fast").status, 200);
  auto served = [&] { return agent.SumOf(kServerCount, {{"http_route", "/fast"}}); };
  ASSERT_EQ(Settle(served, 3), 3) << Excerpt(agent);

  // A request the server reads and never answers; then the server is killed.
  const int fd = ConnectLoopback(server.port(), 5s);
  ASSERT_GE(fd, 0);
  const std::string request = "GET /hang HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::this_thread::sleep_for(500ms);
  server.process().KillGroup();
  char byte;
  EXPECT_LE(read(fd, &byte, 1), 0);  // the connection ended with the server
  close(fd);

  // The process and its connections leave the agent and the kernel's tables.
  EXPECT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 0; }))
      << Excerpt(agent);
  EXPECT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_connections") == 0; }))
      << Excerpt(agent);
  EXPECT_TRUE(WaitFor([&] {
    return agent.Metric("hostlens_bpf_map_entries{map=\"conns\"}") == 0 &&
           agent.Metric("hostlens_bpf_map_entries{map=\"http_pending\"}") == 0;
  })) << Excerpt(agent);
  // Nothing counted for the unanswered request, then or later.
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(agent.SumOf(kServerCount), 3) << Excerpt(agent);
  EXPECT_EQ(agent.SumOf(kServerCount, {{"http_route", "/hang"}}), 0) << Excerpt(agent);
  ExpectNoEventsLost(agent, Excerpt, {"ringbuf_full", "map_full", "parse"});
}

// The tracked server exits and another program gets its pid (forced through ns_last_pid): the
// agent must not take it for the server (no tracking, no service, no connections inherited).
TEST(Faults, ARecycledPidIsANewProcessToTheAgent) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  auto server = std::make_unique<ServerScript>("fault_server.py");
  ASSERT_TRUE(server->WaitUp("/fast", 200));
  const pid_t pid = server->process().pid();
  Agent agent({"--port", std::to_string(server->port())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 1; }))
      << Excerpt(agent);
  const int fd = ConnectLoopback(server->port(), 5s);  // a connection the server still holds
  ASSERT_GE(fd, 0);
  ASSERT_EQ(HttpRequest(server->port(), "/fast").status, 200);
  server->process().KillGroup();
  server.reset();
  close(fd);
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 0; }))
      << Excerpt(agent);

  // The same pid for a process that listens on nothing (other processes may take it first: tried
  // again a few times).
  std::unique_ptr<Process> other;
  for (int attempt = 0; attempt < 20 && !other; ++attempt) {
    std::ofstream("/proc/sys/kernel/ns_last_pid") << pid - 1;
    auto candidate = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", "-c", "import time; time.sleep(60)"});
    if (candidate->pid() == pid) other = std::move(candidate);
  }
  if (!other) GTEST_SKIP() << "pid " << pid << " could not be recycled (another process took it)";
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(agent.Metric("hostlens_tracked_processes"), 0) << Excerpt(agent);
  EXPECT_EQ(agent.Metric("hostlens_tracked_connections"), 0) << Excerpt(agent);
  EXPECT_EQ(agent.Metric("hostlens_bpf_map_entries{map=\"tracked\"}"), 0) << Excerpt(agent);
  const auto status = nlohmann::json::parse(agent.Get("/api/v1/status").body);
  for (const auto& p : status["tracked_processes"]["processes"]) {
    EXPECT_NE(p["pid"], pid) << status.dump();
  }
}

// Hostile input on a tracked server's connections (tests/integration/clients/hostile_client.py:
// random bytes, a TLS ClientHello to the plaintext port, a cut request line, lying lengths, a 1 GB
// Content-Length, a million headers, a 1 MB request line): the agent neither crashes nor stalls,
// answers /healthz after it, counts no GET /fast that was not one, and counts the next plain
// requests exactly.
TEST(Faults, HostileInputOnTrackedConnectionsNeitherCrashesNorStallsTheAgent) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  ServerScript server("fault_server.py");
  ASSERT_TRUE(server.WaitUp("/fast", 200));
  Agent agent({"--pid", std::to_string(server.process().pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 1; }))
      << Excerpt(agent);

  auto hostile = RunCommand("/usr/bin/python3 -B " HOSTLENS_SOURCE_DIR
                            "/tests/integration/clients/hostile_client.py " +
                            std::to_string(server.port()));
  ASSERT_EQ(hostile.exit_code, 0) << hostile.output;
  const auto sent = nlohmann::json::parse(hostile.output.substr(hostile.output.rfind('{')));
  EXPECT_EQ(sent["tls_client_hello"], "SSLError") << sent.dump();
  EXPECT_EQ(agent.process().Wait(std::chrono::milliseconds(0)), std::nullopt)
      << agent.process().Stderr();
  EXPECT_EQ(agent.Get("/healthz").status, 200);

  auto get_fast = [&] {
    return agent.SumOf(kServerCount, {{"http_route", "/fast"},
                                      {"http_request_method", "GET"},
                                      {"http_response_status_code", "200"}});
  };
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(get_fast(), 0) << Excerpt(agent) << sent.dump();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(HttpRequest(server.port(), "/fast").status, 200);
  EXPECT_EQ(Settle(get_fast, 50), 50) << Excerpt(agent) << sent.dump();
  EXPECT_EQ(agent.Get("/healthz").status, 200);
}

}  // namespace
}  // namespace hostlens::testing
