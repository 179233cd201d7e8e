#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "agent/conn/connection_table.h"
#include "agent/inspector/request_fanout.h"
#include "agent/inspector/route_stats.h"
#include "agent/inspector/slow_queries.h"
#include "agent/metrics/db_metrics.h"
#include "agent/metrics/http_metrics.h"
#include "agent/metrics/tls_metrics.h"

namespace hostlens::events {

struct SinkTargets {
  metrics::HttpMetrics& http;
  metrics::DbMetrics& db;
  inspector::SlowQueryLog& slow_queries;
  inspector::RouteStats& routes;
  inspector::RequestFanOut& fan_out;
  uint64_t slow_query_threshold_ns = 100'000'000;
  // TLS connections whose plaintext was not seen, and why for a process (tls/tls_registry.h
  // UncoveredReason; "" when its TLS library is probed). Optional.
  metrics::TlsMetrics* tls = nullptr;
  std::function<std::string(uint32_t tgid)> tls_reason;
};

// Turns the connection table's results into metric observations, slow-query entries and
// per-route fan-out. Event-loop thread only.
class MetricsSink : public conn::ConnectionSink {
 public:
  explicit MetricsSink(SinkTargets targets) : t_(targets) {}

  void OnHttpExchange(const conn::Connection& conn,
                      const protocols::http1::Exchange& exchange) override;
  void OnAccept(const conn::Connection& conn, uint64_t accept_wait_ns) override;
  void OnWebsocketOpen(const conn::Connection& conn, const std::string& target) override;
  void OnWebsocketClose(const conn::Connection& conn, const std::string& target) override;
  void OnDbConnectionOpen(conn::Connection& conn) override;
  void OnDbConnectionClose(const conn::Connection& conn) override;
  void OnDbBytes(const conn::Connection& conn, bool sent, uint64_t bytes) override;
  void OnDbOperation(const conn::Connection& conn, const conn::DbOperation& op) override;
  void OnHttpDetected(const conn::Connection& conn) override;
  void OnServerConnectionOpen(const conn::Connection& conn) override;
  void OnProcessExit(uint32_t tgid) override;
  void OnTlsUncovered(const conn::Connection& conn) override;

 private:
  SinkTargets t_;
};

}  // namespace hostlens::events
