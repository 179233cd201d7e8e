#include "agent/metrics/http_metrics.h"

#include <array>

#include "agent/metrics/buckets.h"

namespace hostlens::metrics {
namespace {

std::string StatusLabel(int status) { return status > 0 ? std::to_string(status) : ""; }

}  // namespace

HttpMetrics::HttpMetrics(prometheus::Registry& registry, RouteTemplater routes,
                         HttpMetricsLimits limits)
    : routes_(std::move(routes)),
      routes_limiter_("http_server_request_duration_seconds", limits.routes_per_service),
      address_limiter_("http_client_request_duration_seconds",
                       limits.server_addresses_per_service),
      server_(prometheus::BuildHistogram()
                  .Name("http_server_request_duration_seconds")
                  .Help("Duration of HTTP server requests: first byte of the request read to "
                        "last byte of the response written.")
                  .Register(registry),
              {"service_name", "http_request_method", "http_route", "http_response_status_code"}),
      queries_per_request_(prometheus::BuildHistogram()
                               .Name("http_server_db_queries_per_request")
                               .Help("SQL queries the serving thread made between reading a "
                                     "request and writing its response (servers handling one "
                                     "request per thread at a time).")
                               .Register(registry),
                           {"service_name", "http_route"}),
      client_(prometheus::BuildHistogram()
                  .Name("http_client_request_duration_seconds")
                  .Help("Duration of HTTP client requests: first byte of the request written to "
                        "the response complete.")
                  .Register(registry),
              {"service_name", "http_request_method", "server_address",
               "http_response_status_code"}),
      websockets_(prometheus::BuildGauge()
                      .Name("http_server_open_websockets")
                      .Help("WebSocket connections upgraded and not yet closed.")
                      .Register(registry),
                  {"service_name", "http_route"}),
      accepts_(prometheus::BuildCounter()
                   .Name("tcp_accepts_total")
                   .Help("TCP connections accepted, by listening port.")
                   .Register(registry),
               {"service_name", "server_port"}),
      accept_wait_(prometheus::BuildHistogram()
                       .Name("tcp_accept_wait_seconds")
                       .Help("Time from a connection becoming established to the accept() that "
                             "returned it: how long it waited in the accept queue.")
                       .Register(registry),
                   {"service_name", "server_port"}) {}

std::string_view HttpMetrics::MethodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kKnown = {
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (auto known : kKnown) {
    if (method == known) return known;
  }
  return "_OTHER";
}

const std::string* HttpMetrics::Route(const std::string& service, std::string_view target) {
  auto route = routes_.Template(target);
  if (!route) return nullptr;
  return &routes_limiter_.Admit(service, *route);
}

const std::string* HttpMetrics::RecordServer(const std::string& service, std::string_view method,
                                             std::string_view target, int status,
                                             double seconds) {
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  server_key_.assign(service);
  server_key_ += '\0';
  server_key_ += method;
  server_key_ += '\0';
  server_key_ += path;
  server_key_ += '\0';
  server_key_.append(reinterpret_cast<const char*>(&status), sizeof(status));
  if (auto it = server_series_.find(server_key_); it != server_series_.end()) {
    const ServerSeries& cached = it->second;
    if (!cached.route) return nullptr;
    if (cached.limited) routes_limiter_.CountLimited();
    cached.histogram->Observe(seconds);
    return cached.route;
  }
  ServerSeries series;
  series.route = Route(service, path);
  if (series.route) {
    series.limited = routes_limiter_.IsOverflow(*series.route);
    series.histogram = &server_.Get({service, MethodLabel(method), *series.route,
                                     StatusLabel(status)},
                                    DurationBuckets());
    series.histogram->Observe(seconds);
  }
  if (server_series_.size() >= kMaxCachedServerSeries) server_series_.clear();
  server_series_.emplace(server_key_, series);
  return series.route;
}

void HttpMetrics::RecordQueriesPerRequest(const std::string& service, const std::string& route,
                                          uint32_t queries) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0,  1,  2,  3,   5,
                                                                   10, 20, 50, 100, 200};
  queries_per_request_.Get({service, route}, kBuckets).Observe(queries);
}

void HttpMetrics::RecordClient(const std::string& service, std::string_view method,
                               const std::string& server_address, int status, double seconds) {
  const std::string& address = address_limiter_.Admit(service, server_address);
  client_
      .Get({service, MethodLabel(method), address, StatusLabel(status)}, DurationBuckets())
      .Observe(seconds);
}

void HttpMetrics::WebsocketOpened(const std::string& service, std::string_view target) {
  if (auto route = Route(service, target)) websockets_.Get({service, *route}).Increment();
}

void HttpMetrics::WebsocketClosed(const std::string& service, std::string_view target) {
  if (auto route = Route(service, target)) websockets_.Get({service, *route}).Decrement();
}

void HttpMetrics::RecordAccept(const std::string& service, uint16_t port,
                               std::optional<double> wait_seconds) {
  const std::string port_label = std::to_string(port);
  accepts_.Get({service, port_label}).Increment();
  if (wait_seconds) {
    accept_wait_.Get({service, port_label}, DurationBuckets()).Observe(*wait_seconds);
  }
}

}  // namespace hostlens::metrics
