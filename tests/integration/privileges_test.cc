// Least privilege: the running agent keeps exactly the documented capabilities (every thread,
// and the bounding set), and an agent started with only those (setpriv, not full root) traces a
// server and counts its requests exactly.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "harness.h"

namespace hostlens::testing {
namespace {

// CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39): README's
// "Privileges" section.
constexpr uint64_t kDocumented = (1ULL << 2) | (1ULL << 19) | (1ULL << 38) | (1ULL << 39);

// The hex masks of /proc/PID[/task/TID]/status lines "CapEff:", "CapPrm:", ...
std::map<std::string, uint64_t> CapabilitySets(const std::string& status_path) {
  std::map<std::string, uint64_t> sets;
  std::istringstream in(ReadFile(status_path));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Cap", 0) == 0 && line.find(':') != std::string::npos) {
      sets[line.substr(0, line.find(':'))] = std::stoull(line.substr(line.find(':') + 1), nullptr, 16);
    }
  }
  return sets;
}

TEST(Privileges, TheRunningAgentKeepsOnlyTheDocumentedCapabilities) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  Agent agent({});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  // A kernel without uprobe_multi links (before 6.6) has the agent keep CAP_SYS_ADMIN too, for
  // perf-event uprobes (below).
  const auto fallbacks = nlohmann::json::parse(agent.Get("/api/v1/status").body)["fallbacks"];
  const uint64_t expected = kDocumented | (fallbacks.contains("uprobe_multi") ? 1ULL << 21 : 0);
  const std::string task_dir = "/proc/" + std::to_string(agent.process().pid()) + "/task";
  size_t threads = 0;
  for (const auto& task : std::filesystem::directory_iterator(task_dir)) {
    auto sets = CapabilitySets(task.path().string() + "/status");
    EXPECT_EQ(sets["CapEff"], expected) << task.path();
    EXPECT_EQ(sets["CapPrm"], expected) << task.path();
    EXPECT_EQ(sets["CapBnd"], expected) << task.path();
    EXPECT_EQ(sets["CapInh"], 0u) << task.path();
    EXPECT_EQ(sets["CapAmb"], 0u) << task.path();
    ++threads;
  }
  EXPECT_GE(threads, 3u);  // the event loop, the TLS scanner and CivetWeb's workers too
  if (!fallbacks.contains("uprobe_multi")) {
    EXPECT_NE(agent.process().Stderr().find(
                  "capabilities kept: cap_dac_read_search,cap_sys_ptrace,cap_perfmon,cap_bpf"),
              std::string::npos);
  }

  // TLS probes as perf-event uprobes (the fallback for kernels before 6.6): this kernel refuses
  // perf_event_open of a uprobe without CAP_SYS_ADMIN, so it is kept there, and only there.
  Agent perf_uprobes({"--without-kernel-feature", "uprobe_multi"});
  ASSERT_TRUE(perf_uprobes.WaitReady()) << perf_uprobes.process().Stderr();
  EXPECT_EQ(CapabilitySets("/proc/" + std::to_string(perf_uprobes.process().pid()) +
                           "/status")["CapEff"],
            kDocumented | (1ULL << 21));

  Agent keeping({"--keep-capabilities"});
  ASSERT_TRUE(keeping.WaitReady()) << keeping.process().Stderr();
  auto sets = CapabilitySets("/proc/" + std::to_string(keeping.process().pid()) + "/status");
  EXPECT_NE(sets["CapEff"] & (1ULL << 21), 0u);  // CAP_SYS_ADMIN still there
}

TEST(Privileges, AnAgentWithOnlyTheDocumentedCapabilitiesCountsExactly) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  // Without CAP_SYS_ADMIN the agent cannot mount tracefs itself: mounted here, as the README
  // says to.
  RunCommand("mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing");
  ASSERT_TRUE(std::filesystem::exists("/sys/kernel/tracing/events"))
      << "tracefs must be mounted for an agent without CAP_SYS_ADMIN";
  ServerScript server("fault_server.py");
  ASSERT_TRUE(server.WaitUp("/fast", 200));
  // Root's uid, but a bounding set of the four: after execve the agent has those and no other.
  const uint16_t port = FreePort();
  Process agent({"/usr/bin/setpriv",
                 "--bounding-set=-all,+bpf,+perfmon,+sys_ptrace,+dac_read_search", "--",
                 HOSTLENS_BINARY, "--listen", "127.0.0.1:" + std::to_string(port), "--pid",
                 std::to_string(server.process().pid())});
  ASSERT_TRUE(WaitForHttpStatus(port, "/readyz", 200)) << agent.Stderr();
  auto sets = CapabilitySets("/proc/" + std::to_string(agent.pid()) + "/status");
  EXPECT_EQ(sets["CapEff"], kDocumented);
  for (int i = 0; i < 25; ++i) ASSERT_EQ(HttpRequest(server.port(), "/fast").status, 200);
  auto count = [&] {
    const auto samples = ParseSamples(HttpRequest(port, "/metrics").body);
    double n = 0;
    for (const auto& s : samples) {
      if (s.name == "http_server_request_duration_seconds_count" &&
          s.labels.count("http_route") && s.labels.at("http_route") == "/fast") {
        n += s.value;
      }
    }
    return n;
  };
  EXPECT_EQ(Settle(count, 25), 25) << HttpRequest(port, "/metrics").body;
}

}  // namespace
}  // namespace hostlens::testing
