#include "agent/app/collectors.h"

#include <string>
#include <utility>
#include <vector>

#include "agent/host/host_collectors.h"
#include "agent/host/kernel_units.h"
#include "hostlens/version.h"

namespace hostlens::app {
namespace {

using Families = std::vector<prometheus::MetricFamily>;

// The registry's families (HTTP, database, cache, events) and hostlens_* about the agent itself.
metrics::Collector SelfCollector(Stages& s) {
  return {"self", [&s](bool*) {
            Families families = s.registry.Collect();
            metrics::SelfMetricsInput in;
            in.version = kVersion;
            in.losses = s.Losses();
            in.tracked_processes = s.processes.size();
            in.tracked_connections = s.connections.stats().open.load();
            in.connections_evicted = s.connections.stats().evicted.load();
            in.connections_http2 = s.connections.stats().http2.load();
            for (auto system : {conn::DbSystem::kPostgresql, conn::DbSystem::kMysql,
                                conn::DbSystem::kRedis, conn::DbSystem::kMemcached}) {
              in.db_parser_resyncs[std::string(conn::DbSystemName(system))] =
                  s.connections.stats().db_resyncs[static_cast<size_t>(system)].load();
              if (conn::IsCache(system)) {
                in.db_commands_unanswered[std::string(conn::DbSystemName(system))] =
                    s.connections.stats().db_unanswered[static_cast<size_t>(system)].load();
              }
            }
            for (const metrics::SeriesLimiter* limiter :
                 {&s.http_metrics.route_limiter(), &s.http_metrics.address_limiter(),
                  &s.db_metrics.address_limiter(), &s.db_metrics.collection_limiter(),
                  &s.db_metrics.operation_limiter(),
                  &s.db_metrics.error_type_limiter()}) {
              in.series_limited[limiter->family()] += limiter->limited();
            }
            // Entries the JSON APIs could not keep, under the API's path.
            in.series_limited["/api/v1/slow-queries"] = s.slow_queries.evicted();
            in.series_limited["/api/v1/routes"] = s.route_stats.dropped();
            if (s.options.http_fast_path) {
              const auto fast = s.probes.ReadFastOutcomes();
              in.http_fast_path.assign(fast.begin(), fast.end());
            }
            for (auto& map : s.probes.ReadMapFill()) {
              in.bpf_maps.push_back({std::move(map.name), map.entries, map.max_entries});
            }
            for (auto& f : metrics::CollectSelfMetrics(in)) families.push_back(std::move(f));
            return families;
          }};
}

// node_exporter's collectors, one file each; a missing file fails alone.
std::vector<metrics::Collector> HostCollectors(const host::Procfs& procfs) {
  std::vector<metrics::Collector> collectors;
  for (host::HostSource& source : host::HostSources(procfs, host::UserHz())) {
    collectors.push_back({std::move(source.name), [collect = std::move(source.collect)](bool* ok) {
                            auto families = collect();
                            *ok = families.has_value();
                            return std::move(families).value_or(Families{});
                          }});
  }
  return collectors;
}

// CPU and memory per tracked service (psutil's numbers, for every target at once).
metrics::Collector ServiceCollector(Stages& s) {
  return {"service", [&s](bool*) {
            auto snapshot = s.processes.TakeSnapshot();
            auto result = s.services.Collect(snapshot.processes, snapshot.retired_cpu_seconds);
            s.processes.RememberCpu(result.cpu_seconds_by_pid);
            return std::move(result.families);
          }};
}

}  // namespace

void AddCollectors(metrics::Scraper& scraper, Stages& stages) {
  scraper.Add(SelfCollector(stages));
  for (auto& collector : HostCollectors(stages.procfs)) scraper.Add(std::move(collector));
  scraper.Add(ServiceCollector(stages));
}

}  // namespace hostlens::app
