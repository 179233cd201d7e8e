#include "agent/host/host_collectors.h"

#include "agent/host/cpu_collector.h"
#include "agent/host/loadavg_collector.h"
#include "agent/host/meminfo_collector.h"

namespace hostlens::host {

std::vector<HostSource> HostSources(const Procfs& procfs, long user_hz) {
  return {
      {"cpu", [&procfs, user_hz] { return CollectCpu(procfs, user_hz); }},
      {"meminfo", [&procfs] { return CollectMeminfo(procfs); }},
      {"loadavg", [&procfs] { return CollectLoadavg(procfs); }},
  };
}

}  // namespace hostlens::host
