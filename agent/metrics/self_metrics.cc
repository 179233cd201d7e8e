#include "agent/metrics/self_metrics.h"

#include "agent/metrics/family.h"

namespace hostlens::metrics {

const char* EventKindName(uint32_t kind) {
  switch (kind) {
    case HL_EV_PROC_FORK: return "process_fork";
    case HL_EV_PROC_EXEC: return "process_exec";
    case HL_EV_PROC_EXIT: return "process_exit";
    case HL_EV_PROC_LISTEN: return "process_listen";
    case HL_EV_CONN_OPEN: return "connection_open";
    case HL_EV_CONN_CLOSE: return "connection_close";
    default: return nullptr;
  }
}

EventCounters::EventCounters(prometheus::Registry& registry) {
  auto& family = prometheus::BuildCounter()
                     .Name("hostlens_events_total")
                     .Help("Events consumed from the kernel, by kind.")
                     .Register(registry);
  for (uint32_t kind = 0; kind < HL_EV_KIND_MAX; ++kind) {
    if (const char* name = EventKindName(kind)) by_kind_[kind] = &family.Add({{"kind", name}});
  }
  ignored_ = &prometheus::BuildCounter()
                  .Name("hostlens_events_ignored_total")
                  .Help("Events of processes captured while their exec was pending and then not "
                        "matched by any selector: dropped on purpose, not lost.")
                  .Register(registry)
                  .Add({});
}

std::vector<prometheus::MetricFamily> CollectSelfMetrics(const SelfMetricsInput& input) {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;

  out.push_back(FamilyBuilder("hostlens_build_info", "hostlens version, always 1.", MetricType::Gauge)
                    .Add({{"version", input.version}}, 1)
                    .Build());

  out.push_back(
      FamilyBuilder("hostlens_events_lost_total",
                    "Events lost before the agent could account for them, by reason: ring buffer "
                    "full, kernel map full, undecodable record.",
                    MetricType::Counter)
          .Add({{"reason", "ringbuf_full"}}, static_cast<double>(input.losses.ringbuf_full))
          .Add({{"reason", "map_full"}}, static_cast<double>(input.losses.map_full))
          .Add({{"reason", "parse"}}, static_cast<double>(input.losses.parse))
          .Build());

  out.push_back(FamilyBuilder("hostlens_tracked_processes",
                              "Processes the agent currently observes.", MetricType::Gauge)
                    .Add({}, static_cast<double>(input.tracked_processes))
                    .Build());
  return out;
}

}  // namespace hostlens::metrics
