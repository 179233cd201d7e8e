#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hostlens::host {

// Time one CPU spent in each mode, in USER_HZ ticks, as in a "cpuN" line of /proc/stat. guest and
// guest_nice are left out: the kernel already counts them in user and nice, and node_exporter's
// node_cpu_seconds_total leaves them out too.
struct CpuTimes {
  int cpu = 0;
  uint64_t user = 0;
  uint64_t nice = 0;
  uint64_t system = 0;
  uint64_t idle = 0;
  uint64_t iowait = 0;
  uint64_t irq = 0;
  uint64_t softirq = 0;
  uint64_t steal = 0;
};

struct ProcStat {
  // One entry per "cpuN" line, in file order; the aggregate "cpu" line is not included. Offline
  // CPUs have no line, so cpu numbers can have gaps.
  std::vector<CpuTimes> cpus;
  uint64_t boot_time_seconds = 0;  // "btime", seconds since the epoch
};

// nullopt unless there is at least one cpuN line and a btime line, and all of them are well
// formed. A cpuN line needs the eight modes up to steal (every kernel since 2.6.11 prints them).
std::optional<ProcStat> ParseProcStat(std::string_view text);

}  // namespace hostlens::host
