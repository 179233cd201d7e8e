#include "agent/metrics/self_metrics.h"

#include <utility>

#include "agent/metrics/metric_families.h"
#include "hostlens/abi/http_fast.h"

namespace hostlens::metrics {

const char* EventKindName(uint32_t kind) {
  switch (kind) {
    case HL_EV_PROC_FORK: return "process_fork";
    case HL_EV_PROC_EXEC: return "process_exec";
    case HL_EV_PROC_EXIT: return "process_exit";
    case HL_EV_PROC_LISTEN: return "process_listen";
    case HL_EV_CONN_OPEN: return "connection_open";
    case HL_EV_CONN_CLOSE: return "connection_close";
    case HL_EV_DATA: return "data";
    case HL_EV_PROC_CODE_MAPPED: return "process_code_mapped";
    case HL_EV_HTTP_EXCHANGE: return "http_exchange";
    case HL_EV_HTTP_REQUEST: return "http_request";
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

  prometheus::MetricFamily build_info =
      MakeFamily("hostlens_build_info", "hostlens version, always 1.", MetricType::Gauge);
  AddSample(&build_info, {{"version", input.version}}, 1);
  out.push_back(std::move(build_info));

  prometheus::MetricFamily lost =
      MakeFamily("hostlens_events_lost_total",
                 "Events lost before the agent could account for them, by reason: ring buffer "
                 "full, kernel map full, undecodable record or protocol parser resync, HTTP "
                 "exchanges and database operations that could not be paired, queries that "
                 "could not be given to their HTTP request, TLS plaintext whose socket was never seen, "
                 "database connections whose TLS began before the probes, Go TLS calls whose start "
                 "the probes did not see.",
                 MetricType::Counter);
  for (const auto& [reason, count] : input.losses.ByReason()) {
    AddSample(&lost, {{"reason", reason}}, static_cast<double>(count));
  }
  out.push_back(std::move(lost));

  out.push_back(MakeSingleGauge("hostlens_tracked_processes",
                                "Processes the agent currently observes.",
                                static_cast<double>(input.tracked_processes)));
  out.push_back(MakeSingleGauge("hostlens_tracked_connections",
                                "Connections of tracked processes the agent follows now.",
                                static_cast<double>(input.tracked_connections)));

  prometheus::MetricFamily resyncs = MakeFamily(
      "hostlens_parser_resyncs_total",
      "Database and cache parsers that lost a message boundary in an uncaptured gap (usually "
      "inside a result far larger than the capture) and resynced. Operations whose answer was "
      "lost with it are in hostlens_events_lost_total{reason=~\"db_.*\"}.",
      MetricType::Counter);
  for (const auto& [system, count] : input.db_parser_resyncs) {
    AddSample(&resyncs, {{"db_system_name", system}}, static_cast<double>(count));
  }
  out.push_back(std::move(resyncs));

  prometheus::MetricFamily unanswered = MakeFamily(
      "hostlens_db_commands_unanswered_total",
      "Cache commands the server answered with nothing by the protocol's own rules: Redis "
      "commands silenced by CLIENT REPLY OFF or SKIP (not reported as operations), memcached "
      "noreply commands and quiet meta commands whose answer was suppressed (reported, without "
      "a duration). Known, not lost.",
      MetricType::Counter);
  for (const auto& [system, count] : input.db_commands_unanswered) {
    AddSample(&unanswered, {{"db_system_name", system}}, static_cast<double>(count));
  }
  out.push_back(std::move(unanswered));

  prometheus::MetricFamily evicted = MakeFamily(
      "hostlens_connections_evicted_total",
      "Connections dropped from the agent's table to stay under its size cap.",
      MetricType::Counter);
  AddSample(&evicted, {}, static_cast<double>(input.connections_evicted));
  out.push_back(std::move(evicted));

  prometheus::MetricFamily not_decoded = MakeFamily(
      "hostlens_connections_not_decoded_total",
      "Connections of tracked processes in a protocol the agent recognises but does not decode, "
      "by protocol: http2 (a connection preface; Go's net/http and gRPC negotiate it over TLS).",
      MetricType::Counter);
  AddSample(&not_decoded, {{"protocol", "http2"}}, static_cast<double>(input.connections_http2));
  out.push_back(std::move(not_decoded));

  prometheus::MetricFamily limited =
      MakeFamily("hostlens_series_limited_total",
                 "Observations whose label value was replaced by __other__ because the family's "
                 "per-service series cap was reached.",
                 MetricType::Counter);
  for (const auto& [family, count] : input.series_limited) {
    AddSample(&limited, {{"family", family}}, static_cast<double>(count));
  }
  out.push_back(std::move(limited));

  if (!input.http_fast_path.empty()) {
    prometheus::MetricFamily fast = MakeFamily(
        "hostlens_http_fast_path_total",
        "HTTP/1 exchanges on server connections the kernel looked at, by outcome: compact (sent "
        "as one record instead of its payloads) or why the payloads went out (each counted once "
        "per decision; the agent parses those itself, so nothing is lost either way).",
        MetricType::Counter);
    for (uint32_t i = 0; i < input.http_fast_path.size(); ++i) {
      if (const char* name = FastOutcomeName(i)) {
        AddSample(&fast, {{"outcome", name}}, static_cast<double>(input.http_fast_path[i]));
      }
    }
    out.push_back(std::move(fast));
  }

  if (!input.bpf_maps.empty()) {
    prometheus::MetricFamily entries = MakeFamily(
        "hostlens_bpf_map_entries",
        "Entries in each of the agent's kernel hash maps now; when one reaches "
        "hostlens_bpf_map_max_entries, updates fail (counted as events lost, reason map_full) or "
        "LRU maps evict.",
        MetricType::Gauge);
    prometheus::MetricFamily capacity = MakeFamily(
        "hostlens_bpf_map_max_entries", "Capacity of each of the agent's kernel hash maps.",
        MetricType::Gauge);
    for (const auto& map : input.bpf_maps) {
      AddSample(&entries, {{"map", map.name}}, static_cast<double>(map.entries));
      AddSample(&capacity, {{"map", map.name}}, static_cast<double>(map.max_entries));
    }
    out.push_back(std::move(entries));
    out.push_back(std::move(capacity));
  }
  return out;
}

const char* FastOutcomeName(uint32_t outcome) {
  switch (outcome) {
    case HL_FAST_COMPACT: return "compact";
    case HL_FAST_NOT_ARMED: return "rearm_stale";
    case HL_FAST_REQ_INCOMPLETE: return "request_incomplete";
    case HL_FAST_REQ_EXTRA: return "request_extra_bytes";
    case HL_FAST_REQ_METHOD: return "request_method";
    case HL_FAST_REQ_TARGET: return "request_target";
    case HL_FAST_REQ_CHUNKED: return "request_chunked";
    case HL_FAST_REQ_EXPECT: return "request_expect";
    case HL_FAST_REQ_UPGRADE: return "request_upgrade";
    case HL_FAST_REQ_MALFORMED: return "request_malformed";
    case HL_FAST_REQ_TOO_LONG: return "request_too_long";
    case HL_FAST_PIPELINED: return "pipelined";
    case HL_FAST_RESP_PIECES: return "response_in_pieces";
    case HL_FAST_RESP_EXTRA: return "response_extra_bytes";
    case HL_FAST_RESP_FRAMING: return "response_framing";
    case HL_FAST_RESP_STATUS: return "response_status";
    case HL_FAST_RESP_MALFORMED: return "response_malformed";
    case HL_FAST_RESP_TOO_LONG: return "response_too_long";
    case HL_FAST_NO_ROOM: return "no_room";
    default: return nullptr;
  }
}

}  // namespace hostlens::metrics
