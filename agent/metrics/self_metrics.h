#pragma once

#include <prometheus/counter.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hostlens/abi/events.h"

namespace hostlens::metrics {

// What the event loop counts as it consumes the ring buffer:
// hostlens_events_total{kind} lives in the registry, one cached counter
// handle per kind, so counting an event is one atomic add.
class EventCounters {
 public:
  explicit EventCounters(prometheus::Registry& registry);

  void CountEvent(uint32_t kind) {
    if (kind < HL_EV_KIND_MAX && by_kind_[kind]) by_kind_[kind]->Increment();
  }
  // A record the agent could not decode (unknown kind, short record).
  void CountParseError() { parse_errors_.fetch_add(1, std::memory_order_relaxed); }

  uint64_t events(uint32_t kind) const {
    return kind < HL_EV_KIND_MAX && by_kind_[kind] ? static_cast<uint64_t>(by_kind_[kind]->Value())
                                                   : 0;
  }
  uint64_t parse_errors() const { return parse_errors_.load(std::memory_order_relaxed); }
  // An event of a process the agent then decided not to track (captured
  // between its exec and the agent's decision): dropped on purpose.
  void CountIgnored() { ignored_->Increment(); }
  uint64_t ignored() const { return static_cast<uint64_t>(ignored_->Value()); }

 private:
  prometheus::Counter* ignored_ = nullptr;
  std::array<prometheus::Counter*, HL_EV_KIND_MAX> by_kind_{};
  std::atomic<uint64_t> parse_errors_{0};
};

// Label value of hostlens_events_total{kind} for an hl_event_kind.
const char* EventKindName(uint32_t kind);

struct LossCounts {
  uint64_t ringbuf_full = 0;
  uint64_t map_full = 0;
  uint64_t parse = 0;
  uint64_t http_request_evicted = 0;
  uint64_t http_response_unmatched = 0;
  uint64_t http_response_lost = 0;
  uint64_t db_request_evicted = 0;
  uint64_t db_response_unmatched = 0;
  uint64_t db_response_lost = 0;
  uint64_t db_statement_unknown = 0;
  uint64_t fanout_query_dropped = 0;
  uint64_t tls_no_socket = 0;  // TLS plaintext whose socket no syscall in the call showed
  uint64_t tls_start_missed = 0;  // database connections whose TLS began before the probes
  uint64_t tls_call_unseen = 0;  // a Go TLS call returned whose entry the probes did not see

  // Every reason with its count, in the order /metrics and /api/v1/status show them.
  std::vector<std::pair<const char*, uint64_t>> ByReason() const {
    return {{"ringbuf_full", ringbuf_full},
            {"map_full", map_full},
            {"parse", parse},
            {"http_request_evicted", http_request_evicted},
            {"http_response_unmatched", http_response_unmatched},
            {"http_response_lost", http_response_lost},
            {"db_request_evicted", db_request_evicted},
            {"db_response_unmatched", db_response_unmatched},
            {"db_response_lost", db_response_lost},
            {"db_statement_unknown", db_statement_unknown},
            {"fanout_query_dropped", fanout_query_dropped},
            {"tls_no_socket", tls_no_socket},
            {"tls_start_missed", tls_start_missed},
            {"tls_call_unseen", tls_call_unseen}};
  }
};

struct SelfMetricsInput {
  std::string version;
  LossCounts losses;
  size_t tracked_processes = 0;
  uint64_t tracked_connections = 0;
  uint64_t connections_evicted = 0;
  uint64_t connections_http2 = 0;  // connections that spoke HTTP/2 (not decoded)
  // db_system_name → database parser resyncs (hostlens_parser_resyncs_total).
  std::map<std::string, uint64_t> db_parser_resyncs;
  // db_system_name → cache commands answered with nothing (hostlens_db_commands_unanswered_total).
  std::map<std::string, uint64_t> db_commands_unanswered;
  // family -> label sets redirected to "__other__" by a series cap
  std::map<std::string, uint64_t> series_limited;
  // The kernel's HTTP/1 fast path, by enum hl_fast_outcome; empty when it is off.
  std::vector<uint64_t> http_fast_path;
  // The kernel's hash maps: name, entries now, capacity.
  struct MapFill {
    std::string name;
    uint64_t entries = 0;
    uint64_t max_entries = 0;
  };
  std::vector<MapFill> bpf_maps;
};

// The outcome label of hostlens_http_fast_path_total for an enum hl_fast_outcome.
const char* FastOutcomeName(uint32_t outcome);

// hostlens_build_info, hostlens_events_lost_total, hostlens_tracked_processes,
// hostlens_tracked_connections, hostlens_parser_resyncs_total,
// hostlens_db_commands_unanswered_total, hostlens_connections_evicted_total,
// hostlens_connections_not_decoded_total, hostlens_series_limited_total,
// hostlens_http_fast_path_total, hostlens_bpf_map_entries, hostlens_bpf_map_max_entries.
std::vector<prometheus::MetricFamily> CollectSelfMetrics(const SelfMetricsInput& input);

}  // namespace hostlens::metrics
