#include "agent/host/cpu_collector.h"

#include <string>
#include <string_view>

#include "agent/host/stat_parser.h"
#include "agent/metrics/metric_families.h"

namespace hostlens::host {

using metrics::AddSample;
using metrics::MakeFamily;
using metrics::MakeSingleGauge;

namespace {

struct Mode {
  std::string_view name;
  uint64_t CpuTimes::*ticks;
};

// node_exporter's order and names.
constexpr Mode kModes[] = {
    {"user", &CpuTimes::user},       {"nice", &CpuTimes::nice},     {"system", &CpuTimes::system},
    {"idle", &CpuTimes::idle},       {"iowait", &CpuTimes::iowait}, {"irq", &CpuTimes::irq},
    {"softirq", &CpuTimes::softirq}, {"steal", &CpuTimes::steal},
};

}  // namespace

std::optional<std::vector<prometheus::MetricFamily>> CollectCpu(const Procfs& procfs,
                                                                long user_hz) {
  std::optional<std::string> text = procfs.ReadFile("stat");
  std::optional<ProcStat> stat = text ? ParseProcStat(*text) : std::nullopt;
  if (!stat) return std::nullopt;

  prometheus::MetricFamily cpu_seconds =
      MakeFamily("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
                 prometheus::MetricType::Counter);
  for (const CpuTimes& times : stat->cpus) {
    for (const Mode& mode : kModes) {
      AddSample(&cpu_seconds,
                {{"cpu", std::to_string(times.cpu)}, {"mode", std::string(mode.name)}},
                static_cast<double>(times.*mode.ticks) / static_cast<double>(user_hz));
    }
  }

  std::vector<prometheus::MetricFamily> families;
  families.push_back(std::move(cpu_seconds));
  families.push_back(MakeSingleGauge("node_boot_time_seconds", "Node boot time, in unixtime.",
                                     static_cast<double>(stat->boot_time_seconds)));
  return families;
}

}  // namespace hostlens::host
