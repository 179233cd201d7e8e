#include "agent/targets/process_table.h"

#include <unistd.h>

#include <cstring>
#include <set>
#include <utility>

#include "agent/config/selector_match.h"
#include "agent/host/listening_ports.h"
#include "agent/host/process_stat_parser.h"

namespace hostlens::targets {
namespace {

uint64_t NsToTicks(uint64_t ns, double ticks_per_second) {
  if (ns == 0) return 0;
  return ns / static_cast<uint64_t>(1e9 / ticks_per_second);
}

}  // namespace

ProcessTable::ProcessTable(std::vector<config::Selector> selectors, const host::Procfs& procfs,
                           TrackedSet& kernel, int self_pid)
    : selectors_(std::move(selectors)),
      procfs_(procfs),
      kernel_(kernel),
      self_pid_(self_pid),
      ticks_per_second_(static_cast<double>(sysconf(_SC_CLK_TCK))) {}

std::string ProcessTable::ExeOf(int pid) const {
  return procfs_.ReadLink(std::to_string(pid) + "/exe").value_or("");
}

std::optional<uint32_t> ProcessTable::Match(int pid, const std::string& exe,
                                            const std::vector<int>& ancestors,
                                            const std::set<uint16_t>& listening_ports) const {
  if (selectors_.empty()) {
    // Every process, but only real programs: kernel threads have no exe.
    if (exe.empty()) return std::nullopt;
    return kAllProcessesSelector;
  }
  config::ProcessFacts facts;
  facts.pid = pid;
  facts.ancestors = ancestors;
  facts.exe = exe;
  facts.listening_ports = listening_ports;
  auto match = config::MatchSelectors(selectors_, facts);
  if (!match) return std::nullopt;
  return static_cast<uint32_t>(match->index);
}

std::string ProcessTable::ServiceFor(uint32_t selector, const std::string& exe) const {
  const config::Selector* s = selector < selectors_.size() ? &selectors_[selector] : nullptr;
  return config::ServiceNameFor(s, exe, "");
}

void ProcessTable::TrackLocked(ProcessEntry process, bool kernel_has_it) {
  if (!kernel_has_it && !kernel_.Track(process.pid, process.selector)) {
    track_failures_.fetch_add(1);
  }
  auto it = processes_.find(process.pid);
  if (it != processes_.end() && it->second.start_ticks != process.start_ticks &&
      it->second.start_ticks != 0 && process.start_ticks != 0) {
    // The pid was reused behind our back (an exit we never saw).
    retired_cpu_seconds_[it->second.service] += it->second.last_cpu_seconds;
  } else if (it != processes_.end()) {
    process.last_cpu_seconds = it->second.last_cpu_seconds;
  }
  processes_[process.pid] = std::move(process);
}

void ProcessTable::ForgetLocked(int pid, std::optional<double> final_cpu_seconds) {
  auto it = processes_.find(pid);
  if (it == processes_.end()) return;
  retired_cpu_seconds_[it->second.service] +=
      final_cpu_seconds.value_or(it->second.last_cpu_seconds);
  processes_.erase(it);
}

void ProcessTable::Seed() {
  struct Seen {
    int ppid;
    uint64_t start_ticks;
  };
  std::unordered_map<int, Seen> seen;
  for (int pid : procfs_.ListPids()) {
    auto text = procfs_.ReadFile(std::to_string(pid) + "/stat");
    if (!text) continue;
    auto stat = host::ParseProcessStat(*text);
    if (!stat) continue;
    seen[pid] = {stat->ppid, stat->start_ticks};
  }

  std::set<uint16_t> ports;
  for (const auto& s : selectors_) {
    if (s.kind == config::Selector::Kind::kPort) ports.insert(s.port);
  }
  const auto listening = ports.empty() ? std::map<int, std::set<uint16_t>>{}
                                       : host::FindPidsListeningOn(procfs_, ports);

  std::lock_guard lock(mu_);
  for (const auto& [pid, info] : seen) {
    if (pid == self_pid_) continue;
    std::vector<int> ancestors;
    for (int p = info.ppid; p > 0 && ancestors.size() < 64;) {
      ancestors.push_back(p);
      auto it = seen.find(p);
      if (it == seen.end()) break;
      p = it->second.ppid;
    }
    const std::string exe = ExeOf(pid);
    auto ports_of = listening.find(pid);
    auto selector = Match(pid, exe, ancestors,
                          ports_of == listening.end() ? std::set<uint16_t>{} : ports_of->second);
    if (!selector) continue;
    TrackLocked({pid, info.start_ticks, *selector, exe, ServiceFor(*selector, exe), 0}, false);
  }
}

void ProcessTable::EvaluateLocked(int pid, uint64_t start_ticks) {
  const std::string exe = ExeOf(pid);
  std::vector<int> ancestors;
  int p = pid;
  for (int depth = 0; depth < 64; ++depth) {
    auto text = procfs_.ReadFile(std::to_string(p) + "/stat");
    if (!text) break;
    auto stat = host::ParseProcessStat(*text);
    if (!stat || stat->ppid <= 0) break;
    ancestors.push_back(stat->ppid);
    p = stat->ppid;
  }
  auto selector = Match(pid, exe, ancestors, {});
  if (!selector) {
    kernel_.Untrack(pid);
    ForgetLocked(pid, std::nullopt);
    return;
  }
  TrackLocked({pid, start_ticks, *selector, exe, ServiceFor(*selector, exe), 0}, false);
}

void ProcessTable::OnFork(const hl_proc_fork_event& event) {
  const int child = static_cast<int>(event.child_tgid);
  const uint64_t start_ticks = NsToTicks(event.child_start_ns, ticks_per_second_);
  std::lock_guard lock(mu_);
  auto parent = processes_.find(static_cast<int>(event.hdr.tgid));
  if (parent == processes_.end()) {
    // The kernel tracked the parent without us knowing why (e.g. it was
    // pending and we dropped it): decide the child on its own facts.
    EvaluateLocked(child, start_ticks);
    return;
  }
  ProcessEntry entry = parent->second;
  entry.pid = child;
  entry.start_ticks = start_ticks;
  entry.last_cpu_seconds = 0;
  TrackLocked(std::move(entry), event.child_tracked != 0);
}

void ProcessTable::OnExec(const hl_proc_exec_event& event) {
  const int pid = static_cast<int>(event.hdr.tgid);
  const uint64_t start_ticks = NsToTicks(event.start_ns, ticks_per_second_);
  std::string exe = ExeOf(pid);
  if (exe.empty()) {
    // Already gone: the name it was exec'd by is the best we have.
    exe.assign(event.filename, strnlen(event.filename, sizeof(event.filename)));
  }

  std::lock_guard lock(mu_);
  auto it = processes_.find(pid);
  if (it != processes_.end() && it->second.selector < selectors_.size()) {
    const auto kind = selectors_[it->second.selector].kind;
    // Descendants of --pid and holders of a --port socket stay tracked
    // whatever they exec.
    if (kind != config::Selector::Kind::kExe) {
      it->second.exe = exe;
      it->second.service = ServiceFor(it->second.selector, exe);
      return;
    }
  }
  auto selector = Match(pid, exe, {}, {});
  if (!selector) {
    kernel_.Untrack(pid);
    ForgetLocked(pid, std::nullopt);
    return;
  }
  const bool kernel_has_it = event.tracked_state == HL_TRACK_ON && it != processes_.end() &&
                             it->second.selector == *selector;
  TrackLocked({pid, start_ticks, *selector, exe, ServiceFor(*selector, exe), 0}, kernel_has_it);
}

void ProcessTable::OnExit(const hl_proc_exit_event& event) {
  std::lock_guard lock(mu_);
  ForgetLocked(static_cast<int>(event.hdr.tgid), static_cast<double>(event.cpu_ns) / 1e9);
}

void ProcessTable::OnListen(const hl_proc_listen_event& event) {
  const int pid = static_cast<int>(event.hdr.tgid);
  if (event.selector >= selectors_.size()) return;
  const std::string exe = ExeOf(pid);
  uint64_t start_ticks = 0;
  if (auto text = procfs_.ReadFile(std::to_string(pid) + "/stat")) {
    if (auto stat = host::ParseProcessStat(*text)) start_ticks = stat->start_ticks;
  }
  std::lock_guard lock(mu_);
  TrackLocked({pid, start_ticks, event.selector, exe, ServiceFor(event.selector, exe), 0}, true);
}

ProcessTable::Snapshot ProcessTable::TakeSnapshot() const {
  Snapshot snapshot;
  std::lock_guard lock(mu_);
  snapshot.processes.reserve(processes_.size());
  for (const auto& [pid, p] : processes_) {
    snapshot.processes.push_back({pid, p.start_ticks, p.service});
  }
  snapshot.retired_cpu_seconds = retired_cpu_seconds_;
  return snapshot;
}

void ProcessTable::RememberCpu(const std::map<int, double>& cpu_seconds_by_pid) {
  std::lock_guard lock(mu_);
  for (const auto& [pid, seconds] : cpu_seconds_by_pid) {
    auto it = processes_.find(pid);
    if (it != processes_.end()) it->second.last_cpu_seconds = seconds;
  }
}

size_t ProcessTable::size() const {
  std::lock_guard lock(mu_);
  return processes_.size();
}

bool ProcessTable::IsTracked(int pid) const {
  std::lock_guard lock(mu_);
  return processes_.count(pid) != 0;
}

std::string ProcessTable::ServiceOf(int pid) const {
  std::lock_guard lock(mu_);
  auto it = processes_.find(pid);
  return it == processes_.end() ? std::string() : it->second.service;
}

std::vector<ProcessEntry> ProcessTable::List() const {
  std::lock_guard lock(mu_);
  std::vector<ProcessEntry> out;
  out.reserve(processes_.size());
  for (const auto& [pid, p] : processes_) out.push_back(p);
  return out;
}

}  // namespace hostlens::targets
