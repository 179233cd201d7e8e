#include "agent/host/meminfo_collector.h"

#include <string>
#include <string_view>

#include "agent/host/meminfo_parser.h"
#include "agent/metrics/metric_families.h"

namespace hostlens::host {

using metrics::MakeSingleGauge;

namespace {

// The subset dashboards use; node_exporter exports every field, which is more series than a
// per-service agent needs.
constexpr std::string_view kExportedFields[] = {
    "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree",
};

}  // namespace

std::optional<std::vector<prometheus::MetricFamily>> CollectMeminfo(const Procfs& procfs) {
  std::optional<std::string> text = procfs.ReadFile("meminfo");
  std::optional<Meminfo> meminfo = text ? ParseMeminfo(*text) : std::nullopt;
  if (!meminfo) return std::nullopt;

  std::vector<prometheus::MetricFamily> families;
  for (std::string_view field : kExportedFields) {
    auto it = meminfo->find(field);
    if (it == meminfo->end()) continue;
    std::string name = "node_memory_" + std::string(field) + "_bytes";
    // node_exporter's help text, which names the metric rather than the kernel field.
    std::string help = "Memory information field " + std::string(field) + "_bytes.";
    families.push_back(
        MakeSingleGauge(std::move(name), std::move(help), static_cast<double>(it->second)));
  }
  return families;
}

}  // namespace hostlens::host
