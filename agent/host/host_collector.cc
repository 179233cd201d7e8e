#include "agent/host/host_collector.h"

#include <chrono>
#include <functional>
#include <iterator>
#include <optional>
#include <utility>

#include "agent/host/cpu_collector.h"
#include "agent/host/loadavg_collector.h"
#include "agent/host/meminfo_collector.h"

namespace hostlens::host {
namespace {

using Families = std::vector<prometheus::MetricFamily>;

}  // namespace

HostCollector::HostCollector(Procfs procfs, long user_hz)
    : procfs_(std::move(procfs)), user_hz_(user_hz) {}

HostScrape HostCollector::Collect() const {
  const std::pair<const char*, std::function<std::optional<Families>()>> collectors[] = {
      {"cpu", [this] { return CollectCpu(procfs_, user_hz_); }},
      {"meminfo", [this] { return CollectMeminfo(procfs_); }},
      {"loadavg", [this] { return CollectLoadavg(procfs_); }},
  };

  HostScrape scrape;
  for (const auto& [name, collect] : collectors) {
    auto start = std::chrono::steady_clock::now();
    std::optional<Families> families = collect();
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    scrape.collectors[name] = {families.has_value(), elapsed.count()};
    if (families) {
      std::move(families->begin(), families->end(), std::back_inserter(scrape.families));
    }
  }
  return scrape;
}

}  // namespace hostlens::host
