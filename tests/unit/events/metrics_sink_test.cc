// MetricsSink end to end: real PostgreSQL and Redis client bytes and an HTTP request through the
// connection table, into the registry, the slow-query log and the route stats.

#include "agent/events/metrics_sink.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/unit/protocols/fixture.h"

namespace hostlens::events {
namespace {

using nlohmann::json;

constexpr uint32_t kTgid = 10;
constexpr uint32_t kTid = 11;
constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kT0 = 1'000'000'000;  // the HTTP request arrives
constexpr std::string_view kCanary = "canary-5f1e9b";

constexpr int32_t kHttpFd = 3;
constexpr int32_t kPostgresFd = 4;
constexpr int32_t kRedisFd = 5;

struct NullKernel : conn::KernelConnections {
  void Ignore(uint32_t, int32_t, uint64_t) override {}
  void Forget(uint32_t, int32_t) override {}
};

metrics::RouteTemplater Routes() {
  std::string error;
  auto routes = metrics::RouteTemplater::Create({}, &error);
  EXPECT_TRUE(routes) << error;
  return std::move(*routes);
}

// A PostgreSQL simple Query message.
std::string QueryMessage(std::string_view sql) {
  const uint32_t length = static_cast<uint32_t>(4 + sql.size() + 1);
  std::string m = "Q";
  for (int shift = 24; shift >= 0; shift -= 8) m.push_back(static_cast<char>(length >> shift));
  m.append(sql);
  m.push_back('\0');
  return m;
}

class MetricsSinkTest : public ::testing::TestWithParam<bool> {
 protected:
  MetricsSinkTest()
      : http_(registry_, Routes(), {}),
        db_(registry_, {}),
        sink_({http_, db_, slow_queries_, routes_, fan_out_, 100 * kMs, nullptr, {}}),
        table_([](uint32_t) { return std::string("shop"); }, kernel_, sink_, 64,
               conn::DbStreamOptions{/*capture_literals=*/GetParam()}) {}

  void Open(int32_t fd, uint8_t role, uint16_t local_port, uint16_t remote_port) {
    hl_conn_event e{};
    e.hdr.tgid = kTgid;
    e.hdr.ts_ns = 1;
    e.fd = fd;
    e.generation = 100 + fd;
    e.family = AF_INET;
    e.role = role;
    e.local_port = local_port;
    e.remote_port = remote_port;
    e.local_addr[0] = 127;
    e.local_addr[3] = 1;
    e.remote_addr[0] = 10;
    e.remote_addr[3] = 7;
    table_.OnOpen(e);
  }

  void Close(int32_t fd) {
    hl_conn_event e{};
    e.hdr.tgid = kTgid;
    e.fd = fd;
    e.generation = 100 + fd;
    table_.OnClose(e);
  }

  void Data(int32_t fd, uint8_t direction, std::string_view bytes, uint64_t ts_ns) {
    hl_data_event e{};
    e.hdr.tgid = kTgid;
    e.hdr.tid = kTid;
    e.hdr.ts_ns = ts_ns;
    e.fd = fd;
    e.generation = 100 + fd;
    e.direction = direction;
    e.length = bytes.size();
    e.head_len = static_cast<uint16_t>(bytes.size());
    table_.OnData(e, bytes, {});
    if (fd == kPostgresFd && direction == HL_DIR_EGRESS) postgres_sent_ += bytes.size();
  }

  // One GET /orders/7 whose thread makes three PostgreSQL queries (the first slow, each with the
  // canary as a literal) and a few Redis commands.
  void ServeOneRequest() {
    Open(kHttpFd, HL_ROLE_SERVER, 8000, 50000);
    Open(kPostgresFd, HL_ROLE_CLIENT, 40000, 5432);
    Open(kRedisFd, HL_ROLE_CLIENT, 40001, 6379);

    // The PostgreSQL connection's startup and authentication, as psql did it.
    const auto pg = protocols::test_util::LoadSqlCapture("postgres", "psql_simple");
    size_t i = 0;
    for (; pg.records[i].bytes[0] != 'Q'; ++i) {
      Data(kPostgresFd, pg.records[i].from_client ? HL_DIR_EGRESS : HL_DIR_INGRESS,
           pg.records[i].bytes, (i + 1) * 1000);
    }
    const std::string& select_1_reply = pg.records[i + 1].bytes;  // its answer to "select 1"
    ASSERT_FALSE(pg.records[i + 1].from_client);

    Data(kHttpFd, HL_DIR_INGRESS, "GET /orders/7 HTTP/1.1\r\nHost: shop\r\n\r\n", kT0);
    for (int q = 0; q < 3; ++q) {
      const uint64_t start = kT0 + (10 + q * 100) * kMs;
      const uint64_t took = q == 0 ? 200 * kMs : 1 * kMs;
      Data(kPostgresFd, HL_DIR_EGRESS,
           QueryMessage("SELECT * FROM orders WHERE note = '" + std::string(kCanary) +
                        "' AND id = " + std::to_string(7 + q)),
           start);
      Data(kPostgresFd, HL_DIR_INGRESS, select_1_reply, start + took);
    }
    const auto redis = protocols::test_util::LoadCommandCapture("redis", "inline");
    for (size_t r = 0; r < redis.records.size(); ++r) {
      Data(kRedisFd, redis.records[r].from_client ? HL_DIR_EGRESS : HL_DIR_INGRESS,
           redis.records[r].bytes, kT0 + (250 + r) * kMs);
    }
    Data(kHttpFd, HL_DIR_EGRESS, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", kT0 + 400 * kMs);
  }

  std::string Text() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }
  bool Has(const std::string& line) { return Text().find(line) != std::string::npos; }

  prometheus::Registry registry_;
  metrics::HttpMetrics http_;
  metrics::DbMetrics db_;
  inspector::SlowQueryLog slow_queries_;
  inspector::RouteStats routes_;
  inspector::RequestFanOut fan_out_;
  MetricsSink sink_;
  NullKernel kernel_;
  conn::ConnectionTable table_;
  uint64_t postgres_sent_ = 0;
};

TEST_P(MetricsSinkTest, DatabaseOperationsReachTheMetrics) {
  ServeOneRequest();
  const std::string pg =
      "db_system_name=\"postgresql\",server_address=\"10.0.0.7:5432\","
      "service_name=\"shop\"} ";
  EXPECT_TRUE(Has("db_client_connections{" + pg + "1")) << Text();
  EXPECT_TRUE(Has("db_client_connections_opened_total{" + pg + "1"));
  EXPECT_TRUE(Has("db_client_sent_bytes_total{" + pg + std::to_string(postgres_sent_)));
  EXPECT_TRUE(
      Has("db_client_operation_duration_seconds_count{db_collection_name=\"orders\","
          "db_operation_name=\"SELECT\",db_system_name=\"postgresql\",error_type=\"\","
          "service_name=\"shop\"} 3"));
  EXPECT_TRUE(
      Has("db_client_slow_queries_total{db_collection_name=\"orders\","
          "db_operation_name=\"SELECT\",db_system_name=\"postgresql\","
          "service_name=\"shop\"} 1"));
  // Redis: PING, SET, GET hit, GET miss, MGET one of two, DEL.
  EXPECT_TRUE(
      Has("db_client_operation_duration_seconds_count{db_collection_name=\"\","
          "db_operation_name=\"GET\",db_system_name=\"redis\",error_type=\"\","
          "service_name=\"shop\"} 2"));
  EXPECT_TRUE(
      Has("cache_client_lookups_total{db_system_name=\"redis\",result=\"hit\","
          "service_name=\"shop\"} 2"));
  EXPECT_TRUE(
      Has("cache_client_lookups_total{db_system_name=\"redis\",result=\"miss\","
          "service_name=\"shop\"} 2"));
  EXPECT_FALSE(
      Has("db_client_slow_queries_total{db_collection_name=\"\",db_operation_name=\"GET\""));
  // The request's three SQL queries, not the cache commands.
  EXPECT_TRUE(
      Has("http_server_db_queries_per_request_count{http_route=\"/orders/{id}\","
          "service_name=\"shop\"} 1"));
  EXPECT_TRUE(
      Has("http_server_db_queries_per_request_sum{http_route=\"/orders/{id}\","
          "service_name=\"shop\"} 3"));

  Close(kPostgresFd);
  EXPECT_TRUE(Has("db_client_connections{" + pg + "0"));
}

TEST_P(MetricsSinkTest, RoutesShowTheFanOutAndTheRepeatedStatement) {
  ServeOneRequest();
  const json routes = json::parse(routes_.ToJson({}))["routes"];
  ASSERT_EQ(routes.size(), 1u);
  const json& r = routes[0];
  EXPECT_EQ(r["service_name"], "shop");
  EXPECT_EQ(r["http_route"], "/orders/{id}");
  EXPECT_EQ(r["requests"], 1);
  EXPECT_NEAR(r["p50_seconds"].get<double>(), 0.4, 0.4 * 0.05);
  EXPECT_DOUBLE_EQ(r["db_queries_per_request"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(r["db_time_share"].get<double>(), 202.0 / 400);
  EXPECT_EQ(r["n_plus_one"]["statement"], "SELECT * FROM orders WHERE note = ? AND id = ?");
  EXPECT_EQ(r["n_plus_one"]["max_repeats"], 3);
  EXPECT_EQ(fan_out_.dropped(), 0u);
}

TEST_P(MetricsSinkTest, LiteralsNeverLeaveUnlessCaptureLiteralsIsOn) {
  ServeOneRequest();
  const std::string text = Text();
  EXPECT_EQ(text.find(kCanary), std::string::npos);
  EXPECT_EQ(routes_.ToJson({}).find(kCanary), std::string::npos);

  const std::string slow_text = slow_queries_.ToJson({}, 0.1);
  const json slow = json::parse(slow_text)["slow_queries"];
  ASSERT_EQ(slow.size(), 1u);  // only the first query was slow
  EXPECT_EQ(slow[0]["statement"], "SELECT * FROM orders WHERE note = ? AND id = ?");
  EXPECT_EQ(slow[0]["service_name"], "shop");
  EXPECT_EQ(slow[0]["count"], 1);
  EXPECT_DOUBLE_EQ(slow[0]["max_seconds"].get<double>(), 0.2);
  EXPECT_EQ(slow[0]["statement"].get<std::string>().find(kCanary), std::string::npos);
  if (GetParam()) {
    EXPECT_EQ(slow[0]["sample_sql"],
              "SELECT * FROM orders WHERE note = '" + std::string(kCanary) + "' AND id = 7");
  } else {
    EXPECT_FALSE(slow[0].contains("sample_sql"));
    EXPECT_EQ(slow_text.find(kCanary), std::string::npos);
  }
}

TEST_P(MetricsSinkTest, ProcessExitEndsItsConnectionsAndFanOut) {
  ServeOneRequest();
  EXPECT_TRUE(fan_out_.IsSqlClient(kTgid));
  table_.OnProcessExit(kTgid, kT0 + 500 * kMs);
  EXPECT_FALSE(fan_out_.IsSqlClient(kTgid));
  EXPECT_EQ(fan_out_.threads(), 0u);
  EXPECT_TRUE(
      Has("db_client_connections{db_system_name=\"postgresql\","
          "server_address=\"10.0.0.7:5432\",service_name=\"shop\"} 0"));
  EXPECT_TRUE(
      Has("db_client_connections{db_system_name=\"redis\","
          "server_address=\"10.0.0.7:6379\",service_name=\"shop\"} 0"));
}

INSTANTIATE_TEST_SUITE_P(CaptureLiterals, MetricsSinkTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "On" : "Off"; });

}  // namespace
}  // namespace hostlens::events
