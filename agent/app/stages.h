#pragma once

// Everything between the BPF probes and the scraper, built in data-flow order: the process
// table (which processes are targets), the metric families and inspectors results land in, the
// connection table (per-connection protocol streams) and the dispatcher that feeds it the ring
// buffer's events. Collectors and endpoints read it; the event loop thread writes it.

#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <variant>

#include "agent/app/kernel_adapters.h"
#include "agent/bpf/probes.h"
#include "agent/config/options.h"
#include "agent/conn/connection_table.h"
#include "agent/events/dispatcher.h"
#include "agent/events/metrics_sink.h"
#include "agent/host/procfs.h"
#include "agent/host/service_collector.h"
#include "agent/inspector/request_fanout.h"
#include "agent/inspector/route_stats.h"
#include "agent/inspector/slow_queries.h"
#include "agent/metrics/db_metrics.h"
#include "agent/metrics/http_metrics.h"
#include "agent/metrics/route_template.h"
#include "agent/metrics/self_metrics.h"
#include "agent/metrics/tls_metrics.h"
#include "agent/targets/process_table.h"
#include "agent/tls/tls_registry.h"

namespace hostlens::app {

class Stages {
 public:
  // Seeds the process table from /proc. Error: one line (a route rule that does not compile).
  static std::variant<std::unique_ptr<Stages>, std::string> Create(const config::Options& options,
                                                                  bpf::Probes& probes);

  // Every loss so far, by reason (the kernel's counters included).
  metrics::LossCounts Losses() const;

  const config::Options& options;
  bpf::Probes& probes;
  host::Procfs procfs;
  KernelTrackedSet tracked_set;
  targets::ProcessTable processes;
  prometheus::Registry registry;
  metrics::EventCounters event_counters;
  metrics::HttpMetrics http_metrics;
  metrics::DbMetrics db_metrics;
  metrics::TlsMetrics tls_metrics;
  KernelTlsAttacher tls_attacher;
  tls::TlsRegistry tls_registry;
  inspector::SlowQueryLog slow_queries;
  inspector::RouteStats route_stats;
  inspector::RequestFanOut fan_out;
  events::MetricsSink sink;
  KernelConnectionMap kernel_connections;
  conn::ConnectionTable connections;
  events::Dispatcher dispatcher;
  host::ServiceCollector services;

  Stages(const config::Options& options, bpf::Probes& probes, metrics::RouteTemplater routes);
  Stages(const Stages&) = delete;
  Stages& operator=(const Stages&) = delete;
};

}  // namespace hostlens::app
