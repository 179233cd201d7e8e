#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/metrics/labelled.h"
#include "agent/metrics/route_template.h"
#include "agent/metrics/series_limiter.h"

namespace hostlens::metrics {

struct HttpMetricsLimits {
  size_t routes_per_service = 500;
  size_t server_addresses_per_service = 500;
};

// http_server_request_duration_seconds, http_client_request_duration_seconds,
// http_server_open_websockets, tcp_accepts_total, tcp_accept_wait_seconds.
// Called from the event loop; the registry is read by scrapes.
class HttpMetrics {
 public:
  HttpMetrics(prometheus::Registry& registry, RouteTemplater routes, HttpMetricsLimits limits);

  // Returns the http_route label used (stable for the metrics' lifetime), or nullptr when the
  // target is excluded by the configuration.
  const std::string* RecordServer(const std::string& service, std::string_view method,
                                  std::string_view target, int status, double seconds);
  // http_server_db_queries_per_request: SQL queries one request's thread made while serving it.
  void RecordQueriesPerRequest(const std::string& service, const std::string& route,
                               uint32_t queries);
  void RecordClient(const std::string& service, std::string_view method,
                    const std::string& server_address, int status, double seconds);
  void WebsocketOpened(const std::string& service, std::string_view target);
  void WebsocketClosed(const std::string& service, std::string_view target);
  void RecordAccept(const std::string& service, uint16_t port, std::optional<double> wait_seconds);

  const SeriesLimiter& route_limiter() const { return routes_limiter_; }
  const SeriesLimiter& address_limiter() const { return address_limiter_; }

  // GET, POST... as sent when standard, else "_OTHER" (OpenTelemetry).
  static std::string_view MethodLabel(std::string_view method);

 private:
  // nullptr when the target is excluded by the configuration.
  const std::string* Route(const std::string& service, std::string_view target);

  // What RecordServer resolved for a (service, method, path, status): the route label (nullptr:
  // excluded) and the histogram, so that a repeated exchange costs one hash lookup instead of
  // the templater, the limiter and a label-set lookup. The path is the target before '?' or '#'
  // (the route never depends on the rest). Bounded: emptied when full.
  struct ServerSeries {
    const std::string* route = nullptr;
    prometheus::Histogram* histogram = nullptr;
    bool limited = false;
  };
  static constexpr size_t kMaxCachedServerSeries = 4096;
  std::unordered_map<std::string, ServerSeries> server_series_;
  std::string server_key_;  // reused: no allocation per record once warm

  RouteTemplater routes_;
  SeriesLimiter routes_limiter_;
  SeriesLimiter address_limiter_;
  Labelled<prometheus::Histogram> server_;
  Labelled<prometheus::Histogram> queries_per_request_;
  Labelled<prometheus::Histogram> client_;
  Labelled<prometheus::Gauge> websockets_;
  Labelled<prometheus::Counter> accepts_;
  Labelled<prometheus::Histogram> accept_wait_;
};

}  // namespace hostlens::metrics
