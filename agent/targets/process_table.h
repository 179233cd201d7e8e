#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/config/options.h"
#include "agent/host/procfs.h"
#include "agent/host/service_collector.h"
#include "agent/targets/tracked_set.h"
#include "hostlens/abi/events.h"

namespace hostlens::targets {

// Selector index stored in the kernel map when no selector is configured
// and every process is tracked.
inline constexpr uint32_t kAllProcessesSelector = 0xfffffffeu;

struct ProcessEntry {
  int pid = 0;
  uint64_t start_ticks = 0;  // /proc/PID/stat starttime; 0 = unknown
  uint32_t selector = kAllProcessesSelector;
  std::string exe;
  std::string service;
  double last_cpu_seconds = 0;  // as last read at scrape time
};

// The agent's view of the tracked processes: seeded from /proc, then kept
// by the kernel's process events in ring-buffer order. It decides what the
// kernel cannot (does this exec'd program match --exe?) and writes the
// answer to the kernel's tracked set. Thread-safe: the event loop writes,
// scrapes read.
class ProcessTable {
 public:
  ProcessTable(std::vector<config::Selector> selectors, const host::Procfs& procfs,
               TrackedSet& kernel, int self_pid);

  // Initial /proc scan: tracks every running process that matches.
  void Seed();

  void OnFork(const hl_proc_fork_event& event);
  void OnExec(const hl_proc_exec_event& event);
  void OnExit(const hl_proc_exit_event& event);
  void OnListen(const hl_proc_listen_event& event);

  struct Snapshot {
    std::vector<host::TrackedProcess> processes;
    std::map<std::string, double> retired_cpu_seconds;
  };
  Snapshot TakeSnapshot() const;
  // CPU per pid as the last scrape read it, retired when the process leaves.
  void RememberCpu(const std::map<int, double>& cpu_seconds_by_pid);

  size_t size() const;
  bool IsTracked(int pid) const;
  // service_name of a tracked process; "" if it is not tracked.
  std::string ServiceOf(int pid) const;
  std::vector<ProcessEntry> List() const;
  // Kernel map updates that failed (map full).
  uint64_t track_failures() const { return track_failures_.load(); }

 private:
  std::optional<uint32_t> Match(int pid, const std::string& exe, const std::vector<int>& ancestors,
                                const std::set<uint16_t>& listening_ports) const;
  std::string ServiceFor(uint32_t selector, const std::string& exe) const;
  std::string ExeOf(int pid) const;
  void TrackLocked(ProcessEntry process, bool kernel_has_it);
  void ForgetLocked(int pid, std::optional<double> final_cpu_seconds);
  // Full evaluation from /proc, for a process the events did not explain.
  void EvaluateLocked(int pid, uint64_t start_ticks);

  const std::vector<config::Selector> selectors_;
  const host::Procfs& procfs_;
  TrackedSet& kernel_;
  const int self_pid_;
  const double ticks_per_second_;

  mutable std::mutex mu_;
  std::unordered_map<int, ProcessEntry> processes_;
  std::map<std::string, double> retired_cpu_seconds_;
  std::atomic<uint64_t> track_failures_{0};
};

}  // namespace hostlens::targets
