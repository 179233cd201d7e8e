#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/metrics/labelled.h"
#include "agent/metrics/series_limiter.h"

namespace hostlens::metrics {

struct DbMetricsLimits {
  size_t server_addresses_per_service = 500;  // db_client_connections* server_address values
  size_t collections_per_service = 500;       // db_collection_name values
  size_t error_types_per_service = 200;       // error_type values
  // db_operation_name values: SQL verbs and Redis/memcached command names. A client can send any
  // command name (Redis answers an unknown one with an error): 100,000 random names made 5,900
  // series before this cap.
  size_t operations_per_service = 200;
};

// db_client_operation_duration_seconds, db_client_slow_queries_total, cache_client_lookups_total,
// db_client_connections, db_client_connections_opened_total, db_client_sent_bytes_total,
// db_client_received_bytes_total. Called from the event loop; the registry is read by scrapes.
// `system` is a db_system_name (postgresql, mysql, redis, memcached).
class DbMetrics {
 public:
  DbMetrics(prometheus::Registry& registry, DbMetricsLimits limits);

  // One connection's series, looked up once when it opens (server_address capped per service),
  // so that its reads and writes cost one atomic add each.
  struct ConnectionSeries {
    prometheus::Gauge* open = nullptr;
    prometheus::Counter* sent = nullptr;
    prometheus::Counter* received = nullptr;
  };
  // Counts the connection as opened and open.
  ConnectionSeries ConnectionOpened(const std::string& service, std::string_view system,
                                    const std::string& address);

  void RecordOperation(const std::string& service, std::string_view system,
                       std::string_view operation, std::string_view collection,
                       std::string_view error_type, double seconds, bool slow);
  void RecordLookups(const std::string& service, std::string_view system, uint32_t hits,
                     uint32_t misses);

  const SeriesLimiter& address_limiter() const { return addresses_; }
  const SeriesLimiter& collection_limiter() const { return collections_; }
  const SeriesLimiter& error_type_limiter() const { return error_types_; }
  const SeriesLimiter& operation_limiter() const { return operations_; }

 private:
  SeriesLimiter addresses_;
  SeriesLimiter collections_;
  SeriesLimiter error_types_;
  SeriesLimiter operations_;
  Labelled<prometheus::Histogram> duration_;
  Labelled<prometheus::Counter> slow_;
  Labelled<prometheus::Counter> lookups_;
  Labelled<prometheus::Gauge> connections_;
  Labelled<prometheus::Counter> opened_;
  Labelled<prometheus::Counter> sent_;
  Labelled<prometheus::Counter> received_;
};

}  // namespace hostlens::metrics
