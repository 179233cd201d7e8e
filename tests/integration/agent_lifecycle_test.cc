// The real agent on the real kernel: startup, endpoints, /metrics checked
// with promtool and against /proc, and shutdown leaving nothing attached.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;

class AgentLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(AgentLifecycle, ServesEndpointsOnceReady) {
  Agent agent({});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  EXPECT_EQ(agent.Get("/healthz").status, 200);
  EXPECT_EQ(agent.Get("/readyz").body, "ready\n");
  EXPECT_EQ(agent.Get("/nope").status, 404);
  EXPECT_EQ(agent.Get("/metrics/extra").status, 404);
  EXPECT_EQ(HttpRequest(agent.port(), "/metrics", "POST").status, 405);
  EXPECT_EQ(HttpRequest(agent.port(), "/healthz", "DELETE").status, 405);
  auto head = HttpRequest(agent.port(), "/metrics", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");

  auto status = agent.Get("/api/v1/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_NE(status.body.find("\"attached_programs\""), std::string::npos);
  EXPECT_NE(status.body.find("raw_tp/sched_process_fork"), std::string::npos);
  EXPECT_NE(status.body.find("tp/syscalls/sys_exit_accept4"), std::string::npos);
}

TEST_F(AgentLifecycle, StatusSaysWhichKernelFeaturesAndFallbacks) {
  {
    Agent agent({});
    ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
    const auto status = nlohmann::json::parse(agent.Get("/api/v1/status").body);
    EXPECT_EQ(status["kernel_features"]["ring_buffer"], true) << status.dump();
    for (const char* name : {"task_storage", "get_current_task_btf", "uprobe_multi", "task_pt_regs"}) {
      EXPECT_TRUE(status["kernel_features"][name].is_boolean()) << name;
    }
    // Whatever this kernel lacks, the fallback is named, and only that.
    const bool has_task_storage = status["kernel_features"]["task_storage"] &&
                                  status["kernel_features"]["get_current_task_btf"];
    EXPECT_EQ(status["fallbacks"].contains("task_storage"), !has_task_storage) << status.dump();
    EXPECT_EQ(status["fallbacks"].contains("uprobe_multi"),
              !status["kernel_features"]["uprobe_multi"].get<bool>())
        << status.dump();
    const bool has_task_pt_regs = status["kernel_features"]["task_pt_regs"] &&
                                  status["kernel_features"]["get_current_task_btf"];
    EXPECT_EQ(status["fallbacks"].contains("task_pt_regs"), !has_task_pt_regs) << status.dump();
    EXPECT_EQ(status["fallbacks"].size(),
              size_t{!has_task_storage} + !status["kernel_features"]["uprobe_multi"].get<bool>() +
                  !has_task_pt_regs)
        << status.dump();
  }
  // Forced: the fallback is chosen even where the kernel has task storage
  // (tests/kernels/ checks its counts are still exact).
  Agent agent({"--without-kernel-feature", "task_storage", "--without-kernel-feature=uprobe_multi",
               "--without-kernel-feature=task_pt_regs"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  const auto status = nlohmann::json::parse(agent.Get("/api/v1/status").body);
  ASSERT_TRUE(status["fallbacks"].contains("task_storage")) << status.dump();
  EXPECT_THAT(status["fallbacks"]["task_storage"].get<std::string>(),
              ::testing::HasSubstr("per-thread syscall state in a hash map"));
  ASSERT_TRUE(status["fallbacks"].contains("uprobe_multi")) << status.dump();
  EXPECT_THAT(status["fallbacks"]["uprobe_multi"].get<std::string>(),
              ::testing::HasSubstr("a perf-event uprobe per TLS function"));
  EXPECT_THAT(agent.process().Stderr(), ::testing::HasSubstr("kernel feature task_storage not used"));
  EXPECT_THAT(agent.process().Stderr(), ::testing::HasSubstr("kernel feature uprobe_multi not used"));
  ASSERT_TRUE(status["fallbacks"].contains("task_pt_regs")) << status.dump();
  EXPECT_THAT(status["fallbacks"]["task_pt_regs"].get<std::string>(),
              ::testing::HasSubstr("an enter and an exit program per read or write syscall"));
  EXPECT_THAT(agent.process().Stderr(), ::testing::HasSubstr("kernel feature task_pt_regs not used"));
}

TEST_F(AgentLifecycle, MetricsPassPromtoolButForNodeExporterCamelCase) {
  Agent agent({});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  const std::string path = "/tmp/hostlens-test-metrics.prom";
  std::ofstream(path) << agent.Get("/metrics").body;
  auto check = RunCommand("promtool check metrics < " + path);
  // Only node_exporter's own names (Buffers_bytes and Cached_bytes are not
  // camelCase to promtool).
  EXPECT_EQ(check.output,
            "node_memory_MemAvailable_bytes metric names should be written in 'snake_case' not "
            "'camelCase'\n"
            "node_memory_MemFree_bytes metric names should be written in 'snake_case' not "
            "'camelCase'\n"
            "node_memory_MemTotal_bytes metric names should be written in 'snake_case' not "
            "'camelCase'\n"
            "node_memory_SwapFree_bytes metric names should be written in 'snake_case' not "
            "'camelCase'\n"
            "node_memory_SwapTotal_bytes metric names should be written in 'snake_case' not "
            "'camelCase'\n");
}

// What Prometheus gets when it asks for gzip (it always does) is the same exposition: every
// family's HELP and TYPE lines identical, decompressed by curl as a scraper would.
TEST_F(AgentLifecycle, MetricsGzippedForAScraperThatAsksAreTheSameExposition) {
  Agent agent({});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  const std::string url = "http://127.0.0.1:" + std::to_string(agent.port()) + "/metrics";
  auto headers = RunCommand("curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip' " + url);
  ASSERT_EQ(headers.exit_code, 0) << headers.output;
  EXPECT_NE(headers.output.find("Content-Encoding: gzip"), std::string::npos) << headers.output;
  auto families = [](const std::string& exposition) {
    std::string out;
    std::istringstream in(exposition);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("# ", 0) == 0) out += line + "\n";
    }
    return out;
  };
  auto gzipped = RunCommand("curl -s --compressed " + url);
  ASSERT_EQ(gzipped.exit_code, 0) << gzipped.output;
  const std::string plain = agent.Get("/metrics").body;
  EXPECT_FALSE(families(plain).empty());
  EXPECT_EQ(families(gzipped.output), families(plain));
}

TEST_F(AgentLifecycle, MemTotalMatchesProcMeminfo) {
  Agent agent({});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  std::istringstream meminfo(ReadFile("/proc/meminfo"));
  std::string key, unit;
  double kb = 0;
  meminfo >> key >> kb >> unit;
  ASSERT_EQ(key, "MemTotal:");
  EXPECT_EQ(agent.Metric("node_memory_MemTotal_bytes"), kb * 1024);
  EXPECT_EQ(agent.Metric("hostlens_build_info{version=\"" HOSTLENS_VERSION "\"}"), 1);
  for (const char* reason : {"ringbuf_full", "map_full", "parse"}) {
    EXPECT_EQ(agent.Metric(std::string("hostlens_events_lost_total{reason=\"") + reason + "\"}"), 0)
        << reason;
  }
}

void ExpectNothingLeftAttached(int signal, std::optional<int> expected_exit) {
  // A process with OpenSSL mapped, so that TLS uprobes are attached when the stop comes (each
  // perf-event uprobe takes a grace period to detach on 6.18: they once made the stop 2.4 s).
  Process tls_user({"/usr/bin/python3", "-c", "import ssl, time; time.sleep(60)"});
  Agent agent({});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor(
      [&] {
        const auto status = nlohmann::json::parse(agent.Get("/api/v1/status").body);
        for (const auto& p : status["tracked_processes"]["processes"]) {
          if (p["pid"] != tls_user.pid()) continue;
          for (const auto& library : p["tls_libraries"]) {
            if (library["state"] == "attached") return true;
          }
        }
        return false;
      },
      10s))
      << agent.Get("/api/v1/status").body;
  const auto ids = BpfProgramIdsOf(agent.process().pid());
  // Every program the status lists is held by the agent's own fds.
  const std::string status = agent.Get("/api/v1/status").body;
  size_t listed = 0;
  for (size_t pos = 0; (pos = status.find("\"section\"", pos)) != std::string::npos; ++pos) ++listed;
  ASSERT_EQ(ids.size(), listed) << status;
  // Where the kernel has bpf_task_pt_regs, the read and write syscalls' exit programs read their
  // arguments themselves, and their 9 enter programs are not loaded.
  const bool exit_args = nlohmann::json::parse(status)["fallbacks"].count("task_pt_regs") == 0;
  ASSERT_EQ(listed, exit_args ? 30u : 39u)
      << "process 6, sockets 5, data 18 (9 without the enter programs) and fast_read_head "
         "(reached by tail call), tls 6, go_tls 3 (tls and go_tls attached per file)";

  // Its maps too: the ring buffer, the connection and process tables, the fast path's.
  const auto maps = BpfMapIdsOf(agent.process().pid());
  ASSERT_GE(maps.size(), 10u);

  const auto start = std::chrono::steady_clock::now();
  auto code = agent.process().Stop(signal, 5s);
  ASSERT_TRUE(code.has_value());
  if (expected_exit) {
    EXPECT_EQ(*code, *expected_exit) << agent.process().Stderr();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  }
  for (int id : ids) {
    EXPECT_TRUE(WaitFor([&] { return !BpfProgramExists(id); }, 10s)) << "program " << id;
  }
  for (int id : maps) {
    EXPECT_TRUE(WaitFor([&] { return !BpfMapExists(id); }, 10s)) << "map " << id;
  }
}

TEST_F(AgentLifecycle, SigtermExitsZeroWithinTwoSecondsAndDetaches) {
  ExpectNothingLeftAttached(SIGTERM, 0);
}

TEST_F(AgentLifecycle, SigintExitsZero) { ExpectNothingLeftAttached(SIGINT, 0); }

TEST_F(AgentLifecycle, SigkillLeavesNothingAttached) {
  ExpectNothingLeftAttached(SIGKILL, std::nullopt);
}

}  // namespace
}  // namespace hostlens::testing
