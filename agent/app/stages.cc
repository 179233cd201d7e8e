#include "agent/app/stages.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

namespace hostlens::app {
namespace {

metrics::HttpMetricsLimits HttpLimitsOf(const config::Options& options) {
  metrics::HttpMetricsLimits limits;
  limits.routes_per_service = options.max_routes_per_service;
  return limits;
}

conn::DbStreamOptions DbOptionsOf(const config::Options& options) {
  conn::DbStreamOptions db_options;
  db_options.capture_literals = options.capture_literals;
  return db_options;
}

}  // namespace

Stages::Stages(const config::Options& options, bpf::Probes& probes, metrics::RouteTemplater routes)
    : options(options),
      probes(probes),
      procfs(options.procfs),
      tracked_set(probes),
      processes(options.selectors, procfs, tracked_set, getpid()),
      event_counters(registry),
      http_metrics(registry, std::move(routes), HttpLimitsOf(options)),
      db_metrics(registry, metrics::DbMetricsLimits{}),
      tls_metrics(registry),
      tls_attacher(probes),
      tls_registry(options.procfs, tls_attacher),
      slow_queries(options.slow_queries_kept),
      sink({http_metrics, db_metrics, slow_queries, route_stats, fan_out,
            options.slow_query_threshold_ns, &tls_metrics,
            [this](uint32_t tgid) {
              // A process that ran its TLS connection before the scanner got to it (a short
              // client): read its mappings now, while it may still be there.
              const int pid = static_cast<int>(tgid);
              tls_registry.EnsureScanned(pid, std::chrono::milliseconds(200));
              return tls_registry.UncoveredReason(pid);
            }}),
      kernel_connections(probes),
      connections([this](uint32_t tgid) { return processes.ServiceOf(static_cast<int>(tgid)); },
                  kernel_connections, sink, conn::ConnectionTable::kDefaultMaxConnections,
                  DbOptionsOf(options)),
      dispatcher(processes, connections, event_counters),
      services(procfs) {}

std::variant<std::unique_ptr<Stages>, std::string> Stages::Create(const config::Options& options,
                                                                 bpf::Probes& probes) {
  std::string route_error;
  auto routes = metrics::RouteTemplater::Create(options.route_rules, &route_error);
  if (!routes) return "failed to compile HTTP routes: " + route_error;
  auto stages = std::make_unique<Stages>(options, probes, std::move(*routes));
  stages->processes.Seed();
  spdlog::info("tracking {} processes", stages->processes.size());
  return stages;
}

metrics::LossCounts Stages::Losses() const {
  auto kernel = probes.ReadCounters();
  metrics::LossCounts l;
  l.ringbuf_full = kernel[HL_CNT_LOST_RINGBUF];
  l.map_full = kernel[HL_CNT_LOST_MAP_FULL] + processes.track_failures();
  const auto& c = connections.stats();
  l.parse = event_counters.parse_errors() + c.parse_resyncs.load();
  l.http_request_evicted = c.http_requests_evicted.load();
  l.http_response_unmatched = c.http_responses_unmatched.load();
  l.http_response_lost = c.http_responses_lost.load();
  l.db_request_evicted = c.db_requests_evicted.load();
  l.db_response_unmatched = c.db_responses_unmatched.load();
  l.db_response_lost = c.db_responses_lost.load();
  l.db_statement_unknown = c.db_statements_unknown.load();
  l.fanout_query_dropped = fan_out.dropped();
  l.tls_no_socket = kernel[HL_CNT_TLS_NO_SOCKET];
  l.tls_start_missed = c.tls_starts_missed.load();
  l.tls_call_unseen = kernel[HL_CNT_TLS_CALL_UNSEEN];
  return l;
}

}  // namespace hostlens::app
