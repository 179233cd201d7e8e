#pragma once

#include "agent/conn/connection_table.h"
#include "agent/metrics/http_metrics.h"

namespace hostlens::events {

// Turns the connection table's results into metric observations.
class MetricsSink : public conn::ConnectionSink {
 public:
  explicit MetricsSink(metrics::HttpMetrics& http) : http_(http) {}

  void OnHttpExchange(const conn::Connection& conn,
                      const protocols::http1::Exchange& exchange) override;
  void OnAccept(const conn::Connection& conn, uint64_t accept_wait_ns) override;
  void OnWebsocketOpen(const conn::Connection& conn, const std::string& target) override;
  void OnWebsocketClose(const conn::Connection& conn, const std::string& target) override;

 private:
  metrics::HttpMetrics& http_;
};

}  // namespace hostlens::events
