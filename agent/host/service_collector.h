#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/host/kernel_units.h"
#include "agent/host/procfs.h"

namespace hostlens::host {

// A process attributed to a service. pid alone is ambiguous once pids wrap, so the process is
// named by (pid, start_ticks); start_ticks 0 means "not known", and accepts whatever has the pid.
struct TrackedProcess {
  int pid = 0;
  uint64_t start_ticks = 0;  // starttime from /proc/PID/stat, USER_HZ ticks since boot
  std::string service_name;
};

struct ServiceScrape {
  std::vector<prometheus::MetricFamily> families;
  // utime + stime, in seconds, of each tracked process found alive in this scrape. A tracked pid
  // missing here has exited (or its pid was reused): the caller adds its last value to the
  // service's retired seconds so that service_cpu_seconds_total never goes down.
  std::map<int, double> cpu_seconds_by_pid;
};

// service_cpu_seconds_total, service_resident_memory_bytes and service_processes, labelled by
// service_name, read from /proc/PID/stat at scrape time.
class ServiceCollector {
 public:
  explicit ServiceCollector(Procfs procfs, long user_hz = UserHz(),
                            long page_size = PageSizeBytes());

  // Every service named in `processes` or `retired_cpu_seconds` gets a sample in each family,
  // zero if none of its processes is alive, so its series do not vanish between restarts. A pid
  // listed twice counts once, for the first service that lists it. A zombie contributes its CPU
  // time but is not counted in service_processes: it has exited, only its pid remains.
  ServiceScrape Collect(const std::vector<TrackedProcess>& processes,
                        const std::map<std::string, double>& retired_cpu_seconds) const;

 private:
  Procfs procfs_;
  long user_hz_;
  long page_size_;
};

}  // namespace hostlens::host
