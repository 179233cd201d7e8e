#include "agent/metrics/db_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <string>

namespace hostlens::metrics {
namespace {

class DbMetricsTest : public ::testing::Test {
 protected:
  std::string Text() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }
  bool Has(const std::string& line) { return Text().find(line) != std::string::npos; }

  prometheus::Registry registry_;
};

TEST_F(DbMetricsTest, OperationsAreLabelledBySystemOperationCollectionAndError) {
  DbMetrics db(registry_, {});
  db.RecordOperation("api", "postgresql", "SELECT", "users", "", 0.003, false);
  db.RecordOperation("api", "postgresql", "SELECT", "users", "", 0.004, false);
  db.RecordOperation("api", "postgresql", "SELECT", "missing", "42P01", 0.001, false);
  db.RecordOperation("api", "redis", "GET", "", "", 0.0002, false);
  EXPECT_TRUE(
      Has("db_client_operation_duration_seconds_count{db_collection_name=\"users\","
          "db_operation_name=\"SELECT\",db_system_name=\"postgresql\",error_type=\"\","
          "service_name=\"api\"} 2"))
      << Text();
  EXPECT_TRUE(
      Has("db_client_operation_duration_seconds_count{db_collection_name=\"missing\","
          "db_operation_name=\"SELECT\",db_system_name=\"postgresql\","
          "error_type=\"42P01\",service_name=\"api\"} 1"));
  EXPECT_TRUE(
      Has("db_client_operation_duration_seconds_count{db_collection_name=\"\","
          "db_operation_name=\"GET\",db_system_name=\"redis\",error_type=\"\","
          "service_name=\"api\"} 1"));
  // The duration buckets: 0.003 and 0.004 are above 0.0025 and at most 0.005.
  EXPECT_TRUE(
      Has("db_operation_name=\"SELECT\",db_system_name=\"postgresql\",error_type=\"\","
          "service_name=\"api\",le=\"0.0025\"} 0"));
  EXPECT_TRUE(
      Has("db_operation_name=\"SELECT\",db_system_name=\"postgresql\",error_type=\"\","
          "service_name=\"api\",le=\"0.005\"} 2"));
  EXPECT_FALSE(Has("db_client_slow_queries_total{"));
}

TEST_F(DbMetricsTest, SlowQueriesAreCountedWithoutTheError) {
  DbMetrics db(registry_, {});
  db.RecordOperation("api", "mysql", "UPDATE", "orders", "", 0.5, true);
  db.RecordOperation("api", "mysql", "UPDATE", "orders", "1213", 0.7, true);
  db.RecordOperation("api", "mysql", "UPDATE", "orders", "", 0.01, false);
  EXPECT_TRUE(
      Has("db_client_slow_queries_total{db_collection_name=\"orders\","
          "db_operation_name=\"UPDATE\",db_system_name=\"mysql\",service_name=\"api\"} 2"))
      << Text();
}

TEST_F(DbMetricsTest, OperationNamesPastTheirCapAreOther) {
  DbMetrics db(registry_, {/*server_addresses_per_service=*/500, /*collections_per_service=*/500,
                           /*error_types_per_service=*/200, /*operations_per_service=*/2});
  db.RecordOperation("api", "redis", "GET", "", "", 0.001, false);
  db.RecordOperation("api", "redis", "SET", "", "", 0.001, false);
  db.RecordOperation("api", "redis", "XKCDFOOBAR", "", "ERR", 0.001, false);
  db.RecordOperation("api", "redis", "QWERTYUIOP", "", "ERR", 0.001, false);
  db.RecordOperation("api", "redis", "GET", "", "", 0.001, false);  // admitted already
  db.RecordOperation("web", "redis", "XKCDFOOBAR", "", "ERR", 0.001, false);  // its own cap
  EXPECT_TRUE(Has("db_client_operation_duration_seconds_count{db_collection_name=\"\","
                  "db_operation_name=\"__other__\",db_system_name=\"redis\",error_type=\"ERR\","
                  "service_name=\"api\"} 2"))
      << Text();
  EXPECT_TRUE(Has("db_operation_name=\"GET\",db_system_name=\"redis\",error_type=\"\","
                  "service_name=\"api\"} 2"));
  EXPECT_TRUE(Has("db_operation_name=\"XKCDFOOBAR\",db_system_name=\"redis\",error_type=\"ERR\","
                  "service_name=\"web\"} 1"));
  EXPECT_EQ(db.operation_limiter().limited(), 2u);
}

TEST_F(DbMetricsTest, CollectionsAndErrorTypesPastTheirCapsAreOther) {
  DbMetrics db(registry_, {/*server_addresses_per_service=*/500, /*collections_per_service=*/2,
                           /*error_types_per_service=*/1});
  db.RecordOperation("api", "postgresql", "SELECT", "a", "", 0.001, false);
  db.RecordOperation("api", "postgresql", "SELECT", "b", "", 0.001, false);
  db.RecordOperation("api", "postgresql", "SELECT", "c", "", 0.001, true);
  db.RecordOperation("api", "postgresql", "SELECT", "d", "", 0.001, false);
  db.RecordOperation("web", "postgresql", "SELECT", "c", "", 0.001, false);  // its own cap
  // No collection is not a collection: it takes no place under the cap.
  db.RecordOperation("api", "postgresql", "BEGIN", "", "", 0.001, false);
  EXPECT_TRUE(
      Has("db_client_operation_duration_seconds_count{db_collection_name=\"__other__\","
          "db_operation_name=\"SELECT\",db_system_name=\"postgresql\",error_type=\"\","
          "service_name=\"api\"} 2"))
      << Text();
  EXPECT_TRUE(Has("db_client_slow_queries_total{db_collection_name=\"__other__\""));
  EXPECT_TRUE(
      Has("db_collection_name=\"c\",db_operation_name=\"SELECT\","
          "db_system_name=\"postgresql\",error_type=\"\",service_name=\"web\"} 1"));
  EXPECT_TRUE(Has("db_collection_name=\"\",db_operation_name=\"BEGIN\""));
  EXPECT_EQ(db.collection_limiter().limited(), 2u);
  EXPECT_EQ(db.collection_limiter().family(), "db_client_operation_duration_seconds");

  db.RecordOperation("api", "postgresql", "SELECT", "a", "42P01", 0.001, false);
  db.RecordOperation("api", "postgresql", "SELECT", "a", "22012", 0.001, false);
  db.RecordOperation("api", "postgresql", "SELECT", "a", "23505", 0.001, false);
  db.RecordOperation("api", "postgresql", "SELECT", "a", "42P01", 0.001, false);
  EXPECT_TRUE(
      Has("db_collection_name=\"a\",db_operation_name=\"SELECT\","
          "db_system_name=\"postgresql\",error_type=\"42P01\",service_name=\"api\"} 2"));
  EXPECT_TRUE(
      Has("db_collection_name=\"a\",db_operation_name=\"SELECT\","
          "db_system_name=\"postgresql\",error_type=\"__other__\",service_name=\"api\"} 2"));
  EXPECT_FALSE(Has("22012"));
  EXPECT_EQ(db.error_type_limiter().limited(), 2u);
}

TEST_F(DbMetricsTest, CacheLookupsByResult) {
  DbMetrics db(registry_, {});
  db.RecordLookups("api", "redis", 3, 1);
  db.RecordLookups("api", "redis", 0, 2);
  db.RecordLookups("api", "memcached", 2, 0);
  EXPECT_TRUE(
      Has("cache_client_lookups_total{db_system_name=\"redis\",result=\"hit\","
          "service_name=\"api\"} 3"));
  EXPECT_TRUE(
      Has("cache_client_lookups_total{db_system_name=\"redis\",result=\"miss\","
          "service_name=\"api\"} 3"));
  EXPECT_TRUE(
      Has("cache_client_lookups_total{db_system_name=\"memcached\",result=\"hit\","
          "service_name=\"api\"} 2"));
  // A result never seen makes no series.
  EXPECT_FALSE(Has("cache_client_lookups_total{db_system_name=\"memcached\",result=\"miss\""));
}

TEST_F(DbMetricsTest, ConnectionsAndBytesPerServerAddress) {
  DbMetrics db(registry_, {/*server_addresses_per_service=*/1, 500, 200});
  auto first = db.ConnectionOpened("api", "postgresql", "10.0.0.7:5432");
  auto second = db.ConnectionOpened("api", "postgresql", "10.0.0.7:5432");
  EXPECT_EQ(second.sent, first.sent);  // the same series: handles kept per connection
  EXPECT_EQ(second.open, first.open);
  second.open->Decrement();  // closed
  db.ConnectionOpened("api", "postgresql", "10.0.0.8:5432");  // past the cap
  EXPECT_EQ(db.address_limiter().limited(), 1u);
  EXPECT_EQ(db.address_limiter().family(), "db_client_connections");
  first.sent->Increment(120);
  first.sent->Increment(80);
  first.received->Increment(4096);
  const std::string labels =
      "{db_system_name=\"postgresql\",server_address=\"10.0.0.7:5432\",service_name=\"api\"} ";
  EXPECT_TRUE(Has("db_client_connections" + labels + "1")) << Text();
  EXPECT_TRUE(Has("db_client_connections_opened_total" + labels + "2"));
  EXPECT_TRUE(Has("db_client_sent_bytes_total" + labels + "200"));
  EXPECT_TRUE(Has("db_client_received_bytes_total" + labels + "4096"));
  EXPECT_TRUE(
      Has("db_client_connections{db_system_name=\"postgresql\","
          "server_address=\"__other__\",service_name=\"api\"} 1"));
}

}  // namespace
}  // namespace hostlens::metrics
