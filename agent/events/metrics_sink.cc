#include "agent/events/metrics_sink.h"

namespace hostlens::events {

void MetricsSink::OnHttpExchange(const conn::Connection& conn,
                                 const protocols::http1::Exchange& exchange) {
  const auto& request = exchange.request;
  const auto& response = exchange.response;
  const uint64_t ns = response.last_byte_ns > request.first_byte_ns
                          ? response.last_byte_ns - request.first_byte_ns
                          : 0;
  const double seconds = static_cast<double>(ns) / 1e9;
  if (conn.role == conn::Role::kServer) {
    http_.RecordServer(conn.service, request.method, request.target, response.status, seconds);
  } else {
    http_.RecordClient(conn.service, request.method, conn.remote.ToString(), response.status,
                       seconds);
  }
}

void MetricsSink::OnAccept(const conn::Connection& conn, uint64_t accept_wait_ns) {
  std::optional<double> wait;
  if (accept_wait_ns > 0) wait = static_cast<double>(accept_wait_ns) / 1e9;
  http_.RecordAccept(conn.service, conn.local.port, wait);
}

void MetricsSink::OnWebsocketOpen(const conn::Connection& conn, const std::string& target) {
  http_.WebsocketOpened(conn.service, target);
}

void MetricsSink::OnWebsocketClose(const conn::Connection& conn, const std::string& target) {
  http_.WebsocketClosed(conn.service, target);
}

}  // namespace hostlens::events
