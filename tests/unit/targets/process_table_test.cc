#include "agent/targets/process_table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace hostlens::targets {
namespace {

namespace fs = std::filesystem;

class FakeKernelSet : public TrackedSet {
 public:
  bool Track(uint32_t tgid, uint32_t selector) override {
    if (full) return false;
    tracked[tgid] = selector;
    ++track_calls;
    return true;
  }
  void Untrack(uint32_t tgid) override { tracked.erase(tgid); }
  std::map<uint32_t, uint32_t> tracked;
  int track_calls = 0;
  bool full = false;
};

// A procfs tree in a temporary directory: stat and exe of a few processes.
class FakeProc {
 public:
  FakeProc() {
    char dir[] = "/tmp/hostlens-proc-XXXXXX";
    root_ = mkdtemp(dir);
  }
  ~FakeProc() { fs::remove_all(root_); }
  void AddProcess(int pid, int ppid, const std::string& exe, uint64_t start_ticks = 100) {
    fs::create_directories(root_ + "/" + std::to_string(pid));
    std::ofstream(root_ + "/" + std::to_string(pid) + "/stat")
        << pid << " (x) S " << ppid << " 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 "
        << start_ticks << " 1000 50 18446744073709551615\n";
    if (!exe.empty()) fs::create_symlink(exe, root_ + "/" + std::to_string(pid) + "/exe");
  }
  void Remove(int pid) { fs::remove_all(root_ + "/" + std::to_string(pid)); }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

config::Selector Exe(const std::string& pattern, const std::string& name = "") {
  return *config::Selector::ForExe(pattern, name);
}

hl_proc_fork_event Fork(uint32_t parent, uint32_t child, bool kernel_tracked = true) {
  hl_proc_fork_event e{};
  e.hdr.kind = HL_EV_PROC_FORK;
  e.hdr.tgid = parent;
  e.child_tgid = child;
  e.child_tracked = kernel_tracked;
  return e;
}

hl_proc_exec_event Exec(uint32_t pid, const char* filename, uint32_t state) {
  hl_proc_exec_event e{};
  e.hdr.kind = HL_EV_PROC_EXEC;
  e.hdr.tgid = pid;
  e.tracked_state = state;
  std::strncpy(e.filename, filename, sizeof(e.filename) - 1);
  return e;
}

hl_proc_exit_event Exit(uint32_t pid, double cpu_seconds) {
  hl_proc_exit_event e{};
  e.hdr.kind = HL_EV_PROC_EXIT;
  e.hdr.tgid = pid;
  e.cpu_ns = static_cast<uint64_t>(cpu_seconds * 1e9);
  return e;
}

class ProcessTableTest : public ::testing::Test {
 protected:
  ProcessTableTest() : procfs_(proc_.root()) {
    proc_.AddProcess(1, 0, "/sbin/init");
    proc_.AddProcess(2, 0, "");  // kthreadd: no exe
    proc_.AddProcess(10, 1, "/usr/bin/gunicorn");
    proc_.AddProcess(11, 10, "/usr/bin/gunicorn");
    proc_.AddProcess(20, 1, "/usr/sbin/nginx");
    proc_.AddProcess(99, 1, "/usr/local/bin/hostlens");
  }
  ProcessTable Make(std::vector<config::Selector> selectors) {
    return ProcessTable(std::move(selectors), procfs_, kernel_, /*self_pid=*/99);
  }
  FakeProc proc_;
  host::Procfs procfs_;
  FakeKernelSet kernel_;
};

TEST_F(ProcessTableTest, SeedTracksExeMatchesAndTellsTheKernel) {
  auto table = Make({Exe("/gunicorn$", "api")});
  table.Seed();
  EXPECT_EQ(table.size(), 2u);
  EXPECT_TRUE(table.IsTracked(10));
  EXPECT_TRUE(table.IsTracked(11));
  EXPECT_EQ(kernel_.tracked, (std::map<uint32_t, uint32_t>{{10, 0}, {11, 0}}));
  for (const auto& p : table.List()) EXPECT_EQ(p.service, "api");
}

TEST_F(ProcessTableTest, SeedFollowsPidSelectorToDescendants) {
  auto table = Make({config::Selector::ForPid(10)});
  table.Seed();
  EXPECT_EQ(kernel_.tracked, (std::map<uint32_t, uint32_t>{{10, 0}, {11, 0}}));
}

TEST_F(ProcessTableTest, AllProcessesModeSkipsKernelThreadsAndItself) {
  auto table = Make({});
  table.Seed();
  EXPECT_EQ(table.size(), 4u);  // 1, 10, 11, 20
  EXPECT_FALSE(table.IsTracked(2));
  EXPECT_FALSE(table.IsTracked(99));
  EXPECT_EQ(kernel_.tracked.at(20), kAllProcessesSelector);
}

TEST_F(ProcessTableTest, ForkOfTrackedParentInheritsWithoutAnotherKernelWrite) {
  auto table = Make({Exe("/gunicorn$", "api")});
  table.Seed();
  const int calls = kernel_.track_calls;
  proc_.AddProcess(12, 10, "/usr/bin/gunicorn");
  table.OnFork(Fork(10, 12));
  EXPECT_TRUE(table.IsTracked(12));
  EXPECT_EQ(kernel_.track_calls, calls);
  // The kernel could not insert it (map full): the table retries.
  proc_.AddProcess(13, 10, "/usr/bin/gunicorn");
  table.OnFork(Fork(10, 13, /*kernel_tracked=*/false));
  EXPECT_EQ(kernel_.tracked.count(13), 1u);
}

TEST_F(ProcessTableTest, PendingExecIsDecidedByTheExeSelector) {
  auto table = Make({Exe("/gunicorn$", "api")});
  table.Seed();
  proc_.AddProcess(30, 1, "/usr/bin/gunicorn");
  kernel_.tracked[30] = HL_NO_SELECTOR;  // the kernel's PENDING entry
  table.OnExec(Exec(30, "/usr/bin/gunicorn", HL_TRACK_PENDING));
  EXPECT_TRUE(table.IsTracked(30));
  EXPECT_EQ(kernel_.tracked.at(30), 0u);

  proc_.AddProcess(31, 1, "/usr/bin/curl");
  kernel_.tracked[31] = HL_NO_SELECTOR;
  table.OnExec(Exec(31, "/usr/bin/curl", HL_TRACK_PENDING));
  EXPECT_FALSE(table.IsTracked(31));
  EXPECT_EQ(kernel_.tracked.count(31), 0u);
}

TEST_F(ProcessTableTest, ExecOfAGoneProcessFallsBackToTheExecFilename) {
  auto table = Make({Exe("/gunicorn$", "api")});
  table.OnExec(Exec(40, "/usr/bin/gunicorn", HL_TRACK_PENDING));  // no /proc/40
  EXPECT_TRUE(table.IsTracked(40));
}

TEST_F(ProcessTableTest, PidSelectedProcessStaysTrackedWhateverItExecs) {
  auto table = Make({config::Selector::ForPid(10)});
  table.Seed();
  proc_.Remove(11);
  proc_.AddProcess(11, 10, "/usr/bin/sleep");
  table.OnExec(Exec(11, "/usr/bin/sleep", HL_TRACK_ON));
  EXPECT_TRUE(table.IsTracked(11));
  for (const auto& p : table.List()) {
    if (p.pid == 11) {
      EXPECT_EQ(p.service, "sleep");
    }
  }
}

TEST_F(ProcessTableTest, ExitRetiresTheKernelsFinalCpuTime) {
  auto table = Make({Exe("/gunicorn$", "api")});
  table.Seed();
  table.RememberCpu({{10, 1.0}, {11, 2.0}});
  table.OnExit(Exit(11, 2.5));
  auto snapshot = table.TakeSnapshot();
  ASSERT_EQ(snapshot.processes.size(), 1u);
  EXPECT_EQ(snapshot.processes[0].pid, 10);
  EXPECT_DOUBLE_EQ(snapshot.retired_cpu_seconds.at("api"), 2.5);
}

TEST_F(ProcessTableTest, UntrackedByExecRetiresTheLastCpuSeen) {
  auto table = Make({Exe("/gunicorn$", "api")});
  table.Seed();
  table.RememberCpu({{11, 4.0}});
  proc_.Remove(11);
  proc_.AddProcess(11, 10, "/usr/bin/sleep");
  table.OnExec(Exec(11, "/usr/bin/sleep", HL_TRACK_ON));
  EXPECT_FALSE(table.IsTracked(11));
  EXPECT_DOUBLE_EQ(table.TakeSnapshot().retired_cpu_seconds.at("api"), 4.0);
}

TEST_F(ProcessTableTest, ListenOnSelectedPortTracksUnderThatSelector) {
  auto table = Make({Exe("/gunicorn$", "api"), config::Selector::ForPort(8080, "web")});
  table.Seed();
  hl_proc_listen_event e{};
  e.hdr.kind = HL_EV_PROC_LISTEN;
  e.hdr.tgid = 20;
  e.selector = 1;
  e.port = 8080;
  table.OnListen(e);
  ASSERT_TRUE(table.IsTracked(20));
  for (const auto& p : table.List()) {
    if (p.pid == 20) {
      EXPECT_EQ(p.service, "web");
    }
  }
  e.selector = 7;  // out of range: ignored, not a crash
  e.hdr.tgid = 1;
  table.OnListen(e);
  EXPECT_FALSE(table.IsTracked(1));
}

TEST_F(ProcessTableTest, ForkOfUnknownParentIsDecidedOnTheChildsOwnFacts) {
  auto table = Make({Exe("/gunicorn$", "api")});
  proc_.AddProcess(50, 1, "/usr/bin/curl");
  kernel_.tracked[50] = HL_NO_SELECTOR;
  table.OnFork(Fork(77, 50));
  EXPECT_FALSE(table.IsTracked(50));
  EXPECT_EQ(kernel_.tracked.count(50), 0u);
}

TEST_F(ProcessTableTest, KernelMapFullIsCounted) {
  kernel_.full = true;
  auto table = Make({Exe("/gunicorn$", "api")});
  table.Seed();
  EXPECT_EQ(table.track_failures(), 2u);
}

}  // namespace
}  // namespace hostlens::targets
