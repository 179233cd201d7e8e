#include "agent/host/service_collector.h"

#include <optional>
#include <set>
#include <utility>

#include "agent/host/process_stat_parser.h"
#include "agent/metrics/metric_families.h"

namespace hostlens::host {

using metrics::AddSample;
using metrics::Labels;
using metrics::MakeFamily;

namespace {

struct ServiceTotals {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  int processes = 0;
};

}  // namespace

ServiceCollector::ServiceCollector(Procfs procfs, long user_hz, long page_size)
    : procfs_(std::move(procfs)), user_hz_(user_hz), page_size_(page_size) {}

ServiceScrape ServiceCollector::Collect(
    const std::vector<TrackedProcess>& processes,
    const std::map<std::string, double>& retired_cpu_seconds) const {
  ServiceScrape scrape;
  std::map<std::string, ServiceTotals> totals;
  for (const auto& [service, seconds] : retired_cpu_seconds) totals[service].cpu_seconds += seconds;

  std::set<int> seen_pids;
  for (const TrackedProcess& process : processes) {
    ServiceTotals& service = totals[process.service_name];
    if (!seen_pids.insert(process.pid).second) continue;
    std::optional<std::string> text = procfs_.ReadFile(std::to_string(process.pid) + "/stat");
    std::optional<ProcessStat> stat = text ? ParseProcessStat(*text) : std::nullopt;
    if (!stat) continue;
    if (process.start_ticks != 0 && stat->start_ticks != process.start_ticks) continue;

    double cpu_seconds =
        static_cast<double>(stat->utime_ticks + stat->stime_ticks) / static_cast<double>(user_hz_);
    scrape.cpu_seconds_by_pid[process.pid] = cpu_seconds;
    service.cpu_seconds += cpu_seconds;
    service.resident_bytes +=
        static_cast<double>(stat->rss_pages) * static_cast<double>(page_size_);
    if (stat->state != 'Z') ++service.processes;
  }

  prometheus::MetricFamily cpu = MakeFamily(
      "service_cpu_seconds_total",
      "Total user and system CPU time spent by the service's processes, in seconds, including "
      "processes that have exited.",
      prometheus::MetricType::Counter);
  prometheus::MetricFamily memory =
      MakeFamily("service_resident_memory_bytes",
                 "Resident memory size of the service's live processes, in bytes.",
                 prometheus::MetricType::Gauge);
  prometheus::MetricFamily count =
      MakeFamily("service_processes", "Number of live processes of the service.",
                 prometheus::MetricType::Gauge);
  for (const auto& [service, total] : totals) {
    Labels labels = {{"service_name", service}};
    AddSample(&cpu, labels, total.cpu_seconds);
    AddSample(&memory, labels, total.resident_bytes);
    AddSample(&count, labels, total.processes);
  }
  scrape.families.push_back(std::move(cpu));
  scrape.families.push_back(std::move(memory));
  scrape.families.push_back(std::move(count));
  return scrape;
}

}  // namespace hostlens::host
