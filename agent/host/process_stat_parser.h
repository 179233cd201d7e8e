#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hostlens::host {

// The fields of /proc/PID/stat that the agent uses (see proc_pid_stat(5)).
struct ProcessStat {
  int pid = 0;
  std::string comm;  // may hold any byte but NUL, spaces and ')' included
  char state = '?';
  int ppid = 0;
  uint64_t utime_ticks = 0;  // USER_HZ ticks, all threads of the process
  uint64_t stime_ticks = 0;
  uint64_t num_threads = 0;
  uint64_t start_ticks = 0;  // start time in USER_HZ ticks since boot; with pid, names a process
  uint64_t rss_pages = 0;    // 0 for kernel threads
};

// nullopt if the text is not "PID (COMM) STATE ..." with at least the 22 fields up to rss. comm
// ends at the last ')' because the fields after it never contain one.
std::optional<ProcessStat> ParseProcessStat(std::string_view text);

}  // namespace hostlens::host
