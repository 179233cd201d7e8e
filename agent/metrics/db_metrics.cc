#include "agent/metrics/db_metrics.h"

#include "agent/metrics/buckets.h"

namespace hostlens::metrics {

DbMetrics::DbMetrics(prometheus::Registry& registry, DbMetricsLimits limits)
    : addresses_("db_client_connections", limits.server_addresses_per_service),
      collections_("db_client_operation_duration_seconds", limits.collections_per_service),
      error_types_("db_client_operation_duration_seconds",
                   limits.error_types_per_service),
      operations_("db_client_operation_duration_seconds", limits.operations_per_service),
      duration_(prometheus::BuildHistogram()
                    .Name("db_client_operation_duration_seconds")
                    .Help("Duration of database and cache operations as the client saw them: "
                          "request written to response complete.")
                    .Register(registry),
                {"service_name", "db_system_name", "db_operation_name", "db_collection_name",
                 "error_type"}),
      slow_(prometheus::BuildCounter()
                .Name("db_client_slow_queries_total")
                .Help("SQL queries slower than --slow-query-threshold.")
                .Register(registry),
            {"service_name", "db_system_name", "db_operation_name", "db_collection_name"}),
      lookups_(prometheus::BuildCounter()
                   .Name("cache_client_lookups_total")
                   .Help("Keys looked up in a cache, by result: one per key of GET, MGET, HGET, "
                         "get k1 k2...; a nil or absent value is a miss.")
                   .Register(registry),
               {"service_name", "db_system_name", "result"}),
      connections_(prometheus::BuildGauge()
                       .Name("db_client_connections")
                       .Help("Client connections to a database or cache open now.")
                       .Register(registry),
                   {"service_name", "db_system_name", "server_address"}),
      opened_(prometheus::BuildCounter()
                  .Name("db_client_connections_opened_total")
                  .Help("Client connections to a database or cache opened.")
                  .Register(registry),
              {"service_name", "db_system_name", "server_address"}),
      sent_(prometheus::BuildCounter()
                .Name("db_client_sent_bytes_total")
                .Help("Bytes written to database and cache connections (whole syscalls).")
                .Register(registry),
            {"service_name", "db_system_name", "server_address"}),
      received_(prometheus::BuildCounter()
                    .Name("db_client_received_bytes_total")
                    .Help("Bytes read from database and cache connections (whole syscalls).")
                    .Register(registry),
                {"service_name", "db_system_name", "server_address"}) {}

DbMetrics::ConnectionSeries DbMetrics::ConnectionOpened(const std::string& service,
                                                        std::string_view system,
                                                        const std::string& address) {
  const std::string& label = addresses_.Admit(service, address);
  opened_.Get({service, system, label}).Increment();
  ConnectionSeries series;
  series.open = &connections_.Get({service, system, label});
  series.sent = &sent_.Get({service, system, label});
  series.received = &received_.Get({service, system, label});
  series.open->Increment();
  return series;
}

void DbMetrics::RecordOperation(const std::string& service, std::string_view system,
                                std::string_view operation, std::string_view collection,
                                std::string_view error_type, double seconds, bool slow) {
  const std::string_view table =
      collection.empty() ? std::string_view() : std::string_view(collections_.Admit(service, collection));
  const std::string_view error =
      error_type.empty() ? std::string_view() : std::string_view(error_types_.Admit(service, error_type));
  const std::string_view name =
      operation.empty() ? std::string_view() : std::string_view(operations_.Admit(service, operation));
  duration_.Get({service, system, name, table, error}, DurationBuckets()).Observe(seconds);
  if (slow) slow_.Get({service, system, name, table}).Increment();
}

void DbMetrics::RecordLookups(const std::string& service, std::string_view system, uint32_t hits,
                              uint32_t misses) {
  if (hits > 0) lookups_.Get({service, system, "hit"}).Increment(hits);
  if (misses > 0) lookups_.Get({service, system, "miss"}).Increment(misses);
}

}  // namespace hostlens::metrics
