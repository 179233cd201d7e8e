// Target selection against real processes: a process matching --exe that
// starts after the agent, a short-lived client seen from its first connect,
// --pid descendants forked later, --port listeners before and after start.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class Selectors : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  // A copy of a system program under a name no other process has.
  std::string CopyProgram(const std::string& from, const std::string& name) {
    const std::string to = dir_.path() + "/" + name;
    fs::copy_file(from, to);
    fs::permissions(to, fs::perms::owner_all);
    return to;
  }
  TempDir dir_{"selectors"};
};

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

TEST_F(Selectors, ExeMatchStartedAfterAgentIsTrackedAndForgottenOnExit) {
  const std::string target = CopyProgram("/usr/bin/sleep", "hl-target-sleep");
  Agent agent({"--exe", "/hl-target-sleep$"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  EXPECT_EQ(agent.Metric("hostlens_tracked_processes"), 0);

  Process sleeper({target, "30"});
  EXPECT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 1; }));
  EXPECT_EQ(agent.Metric("service_processes{service_name=\"hl-target-sleep\"}"), 1);
  const auto status = agent.Get("/api/v1/status").body;
  EXPECT_NE(status.find("\"pid\": " + std::to_string(sleeper.pid())), std::string::npos) << status;
  EXPECT_NE(status.find(Quoted(target)), std::string::npos) << status;

  sleeper.KillGroup();
  EXPECT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 0; }));
  EXPECT_EQ(agent.Metric("hostlens_events_total{kind=\"process_exit\"}"), 1);
}

TEST_F(Selectors, ShortLivedClientIsSeenFromItsFirstConnect) {
  const std::string client = CopyProgram("/usr/bin/curl", "hl-short-client");
  Agent agent({"--exe", "/hl-short-client$"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();

  // Connects at once and exits within milliseconds: no rescan could catch it.
  auto run = RunCommand(client + " -s -o /dev/null http://127.0.0.1:" +
                        std::to_string(agent.port()) + "/healthz");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(WaitFor([&] {
    return agent.Metric("hostlens_events_total{kind=\"process_exit\"}") == 1;
  }));
  EXPECT_EQ(agent.Metric("hostlens_events_total{kind=\"connection_open\"}"), 1);
  EXPECT_EQ(agent.Metric("hostlens_events_total{kind=\"connection_close\"}"), 1);
  EXPECT_EQ(agent.Metric("hostlens_tracked_processes"), 0);
}

TEST_F(Selectors, PidSelectorFollowsDescendantsForkedLater) {
  const std::string fifo = dir_.path() + "/go";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Waits for the agent, then forks three children that exec sleep.
  Process parent({"/bin/sh", "-c", "read x < " + fifo + "; sleep 30 & sleep 30 & sleep 30 & wait"});
  Agent agent({"--pid", std::to_string(parent.pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  EXPECT_EQ(agent.Metric("hostlens_tracked_processes"), 1);

  ASSERT_EQ(RunCommand("echo go > " + fifo).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 4; }))
      << agent.Get("/api/v1/status").body;
  EXPECT_EQ(agent.Metric("hostlens_events_total{kind=\"process_fork\"}"), 3);

  parent.KillGroup();
  EXPECT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 0; }))
      << agent.Get("/api/v1/status").body;
}

TEST_F(Selectors, PortSelectorTracksListenersBeforeAndAfterStart) {
  const std::string python = CopyProgram("/usr/bin/python3", "hl-port-server");
  const uint16_t before_port = FreePort();
  Process before({python, "-m", "http.server", "--bind", "127.0.0.1", std::to_string(before_port)});
  ASSERT_TRUE(WaitForHttpStatus(before_port, "/", 200));

  const uint16_t after_port = FreePort();
  Agent agent({"--port", std::to_string(before_port), "--port", std::to_string(after_port)});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  EXPECT_EQ(agent.Metric("hostlens_tracked_processes"), 1);

  Process after({python, "-m", "http.server", "--bind", "127.0.0.1", std::to_string(after_port)});
  ASSERT_TRUE(WaitForHttpStatus(after_port, "/", 200));
  EXPECT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 2; }));
  EXPECT_EQ(agent.Metric("service_processes{service_name=\"hl-port-server\"}"), 2);
  EXPECT_EQ(agent.Metric("hostlens_events_total{kind=\"process_listen\"}"), 1);
}

}  // namespace
}  // namespace hostlens::testing
