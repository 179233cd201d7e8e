#include "agent/events/metrics_sink.h"

#include <chrono>

namespace hostlens::events {

void MetricsSink::OnHttpExchange(const conn::Connection& conn,
                                 const protocols::http1::Exchange& exchange) {
  const auto& request = exchange.request;
  const auto& response = exchange.response;
  const uint64_t ns = response.last_byte_ns > request.first_byte_ns
                          ? response.last_byte_ns - request.first_byte_ns
                          : 0;
  const double seconds = static_cast<double>(ns) / 1e9;
  if (conn.role != conn::Role::kServer) {
    t_.http.RecordClient(conn.service, request.method,
                         conn::ServerAddress(conn.remote, request.host), response.status, seconds);
    return;
  }
  const std::string* route =
      t_.http.RecordServer(conn.service, request.method, request.target, response.status, seconds);
  // The thread writing the response's end served the request (one request per thread at a time).
  std::optional<inspector::RequestQueries> fan_out;
  if (t_.fan_out.IsSqlClient(conn.tgid)) {
    fan_out = t_.fan_out.OnRequest(conn.tgid, conn.last_tid, request.first_byte_ns,
                                   response.last_byte_ns);
  }
  if (!route) return;
  if (fan_out) t_.http.RecordQueriesPerRequest(conn.service, *route, fan_out->queries);
  t_.routes.Record(conn.service, *route, ns, fan_out ? &*fan_out : nullptr);
}

void MetricsSink::OnAccept(const conn::Connection& conn, uint64_t accept_wait_ns) {
  std::optional<double> wait;
  if (accept_wait_ns > 0) wait = static_cast<double>(accept_wait_ns) / 1e9;
  t_.http.RecordAccept(conn.service, conn.local.port, wait);
}

void MetricsSink::OnWebsocketOpen(const conn::Connection& conn, const std::string& target) {
  t_.http.WebsocketOpened(conn.service, target);
}

void MetricsSink::OnWebsocketClose(const conn::Connection& conn, const std::string& target) {
  t_.http.WebsocketClosed(conn.service, target);
}

namespace {
struct DbConnectionState : conn::ConnectionSinkState {
  metrics::DbMetrics::ConnectionSeries series;
};
const DbConnectionState* DbState(const conn::Connection& conn) {
  return static_cast<const DbConnectionState*>(conn.sink_state.get());
}
}  // namespace

void MetricsSink::OnDbConnectionOpen(conn::Connection& conn) {
  auto state = std::make_unique<DbConnectionState>();
  state->series =
      t_.db.ConnectionOpened(conn.service, conn::DbSystemName(conn.db->system()),
                             conn.server_address);
  conn.sink_state = std::move(state);
}

void MetricsSink::OnDbConnectionClose(const conn::Connection& conn) {
  if (const auto* state = DbState(conn)) state->series.open->Decrement();
}

void MetricsSink::OnDbBytes(const conn::Connection& conn, bool sent, uint64_t bytes) {
  if (const auto* state = DbState(conn)) {
    (sent ? state->series.sent : state->series.received)->Increment(static_cast<double>(bytes));
  }
}

void MetricsSink::OnDbOperation(const conn::Connection& conn, const conn::DbOperation& op) {
  const std::string_view system = conn::DbSystemName(op.system);
  const uint64_t ns = op.duration_ns();
  const bool slow = !conn::IsCache(op.system) && ns >= t_.slow_query_threshold_ns;
  t_.db.RecordOperation(conn.service, system, op.operation, op.collection, op.error_type,
                        static_cast<double>(ns) / 1e9, slow);
  if (op.keys_looked_up > 0) {
    t_.db.RecordLookups(conn.service, system, op.hits, op.keys_looked_up - op.hits);
  }
  if (slow) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    t_.slow_queries.Record(
        conn.service, op,
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
  }
  t_.fan_out.OnQuery(conn.tgid, conn.last_tid, op);
}

void MetricsSink::OnHttpDetected(const conn::Connection& conn) {
  if (conn.role == conn::Role::kServer) t_.fan_out.MarkServer(conn.tgid);
}

// From its first accepted connection, not its first request: the kernel's HTTP/1 fast path
// reports an exchange when its response is written, after the queries it made, which the
// fan-out keeps only for processes marked by then.
void MetricsSink::OnServerConnectionOpen(const conn::Connection& conn) {
  t_.fan_out.MarkServer(conn.tgid);
}

void MetricsSink::OnProcessExit(uint32_t tgid) { t_.fan_out.OnProcessExit(tgid); }

void MetricsSink::OnTlsUncovered(const conn::Connection& conn) {
  if (!t_.tls) return;
  const std::string reason = t_.tls_reason ? t_.tls_reason(conn.tgid) : "";
  if (reason.empty()) {
    t_.tls->CountWithoutPlaintext(conn.service);
  } else {
    t_.tls->CountUncovered(conn.service, reason);
  }
}

}  // namespace hostlens::events
