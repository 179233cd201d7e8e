#include "agent/host/loadavg_collector.h"

#include <string>

#include "agent/host/loadavg_parser.h"
#include "agent/metrics/metric_families.h"

namespace hostlens::host {

using metrics::MakeSingleGauge;

std::optional<std::vector<prometheus::MetricFamily>> CollectLoadavg(const Procfs& procfs) {
  std::optional<std::string> text = procfs.ReadFile("loadavg");
  std::optional<LoadAverage> load = text ? ParseLoadavg(*text) : std::nullopt;
  if (!load) return std::nullopt;

  std::vector<prometheus::MetricFamily> families;
  families.push_back(MakeSingleGauge("node_load1", "1m load average.", load->load1));
  families.push_back(MakeSingleGauge("node_load5", "5m load average.", load->load5));
  families.push_back(MakeSingleGauge("node_load15", "15m load average.", load->load15));
  return families;
}

}  // namespace hostlens::host
