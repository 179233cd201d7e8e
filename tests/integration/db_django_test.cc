// The Django app of the HTTP tests on PostgreSQL and Redis (django-redis), served by gunicorn
// sync workers that were started and warmed up before the agent: the N+1 view's queries per
// request, the routes API's suspect, and the cache's hits and misses must be what the app did,
// exactly. PostgreSQL is reached two ways, with the same expectations: over its Unix socket
// (Django's default) and over TCP with `ssl = on` and sslmode=require, where every query
// travels inside OpenSSL on a connection whose TLS handshake happened before the agent started.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "db_servers.h"
#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kPerRequest[] = "http_server_db_queries_per_request";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {"http_server_db_queries_per_request", "db_client_",
                                "cache_client_", "http_server_request_duration_seconds_count",
                                "hostlens_events_lost_total", "hostlens_tracked",
                                "hostlens_tls_"});
}

enum class PgTransport { kUnixSocket, kTls };

std::string PgTransportName(const ::testing::TestParamInfo<PgTransport>& info) {
  return info.param == PgTransport::kTls ? "PostgresOverTls" : "PostgresOverUnixSocket";
}

class DjangoDb : public ::testing::TestWithParam<PgTransport> {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    const bool tls = GetParam() == PgTransport::kTls;
    std::vector<std::string> pg_options;
    if (tls) {
      std::string error;
      pg_options = PostgresServer::TlsOptions(certs_.path(), &error);
      ASSERT_FALSE(pg_options.empty()) << error;
    }
    pg_ = std::make_unique<PostgresServer>(pg_options);
    ASSERT_TRUE(pg_->ok()) << pg_->error();
    redis_ = std::make_unique<RedisServer>();
    ASSERT_TRUE(redis_->ok()) << redis_->error();
    std::vector<std::string> env = {
        "HOSTLENS_PG_HOST=" + (tls ? std::string("127.0.0.1") : pg_->socket_dir()),
        "HOSTLENS_PG_PORT=" + std::to_string(pg_->port()),
        "HOSTLENS_REDIS_URL=redis://127.0.0.1:" + std::to_string(redis_->port()) + "/0"};
    // libpq reads it from the environment: psycopg2 and so Django ask for TLS or fail.
    if (tls) env.push_back("PGSSLMODE=require");
    auto seed = RunProcess(
        {"/usr/bin/python3", "-B", HOSTLENS_SOURCE_DIR "/tests/apps/manage.py", "seed"}, 60s, env);
    ASSERT_EQ(seed.exit_code, 0) << seed.err;

    // gunicorn inherits the environment of the test process.
    for (const auto& e : env) putenv(strdup(e.c_str()));
    port_ = FreePort();
    gunicorn_ = StartPython("/usr/bin/gunicorn",
                            {"--chdir", HOSTLENS_SOURCE_DIR "/tests/apps", "-b",
                             "127.0.0.1:" + std::to_string(port_), "--workers", "2",
                             "--worker-class", "sync", "project.wsgi"});
    for (const char* name :
         {"HOSTLENS_PG_HOST", "HOSTLENS_PG_PORT", "HOSTLENS_REDIS_URL", "PGSSLMODE"}) {
      unsetenv(name);
    }
    ASSERT_TRUE(WaitForHttpStatus(port_, "/items/1/", 200, 30s)) << gunicorn_->Stderr();
    // Both workers open their database connection before the agent exists (Django keeps it:
    // CONN_MAX_AGE=None), so the agent meets them mid-conversation.
    for (int i = 0; i < 10; ++i) {
      ASSERT_EQ(HttpRequest(port_, "/customers/1/").status, 200) << gunicorn_->Stderr();
    }
    // Every backend Django opened is on TLS when asked (pg_stat_ssl: the server's own view).
    const auto backends = pg_->Psql(
        "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl) FROM "
        "pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = 'hostlens' AND "
        "a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'");
    ASSERT_EQ(backends.exit_code, 0) << backends.output;
    const std::string on_tls = backends.output.substr(0, backends.output.find('|'));
    const std::string in_clear = backends.output.substr(backends.output.find('|') + 1);
    if (tls) {
      ASSERT_EQ(in_clear, "0") << backends.output;
      ASSERT_NE(on_tls, "0") << backends.output;
    } else {
      ASSERT_EQ(on_tls, "0") << backends.output;
    }
  }
  void TearDown() override {
    if (gunicorn_) gunicorn_->KillGroup();
  }

  uint16_t port_ = 0;
  TempDir certs_{"django-pg-certs"};
  std::unique_ptr<PostgresServer> pg_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<Process> gunicorn_;
};

TEST_P(DjangoDb, QueriesPerRequestAndTheNPlusOneSuspect) {
  const std::string service = ExeName(gunicorn_->pid());
  Agent agent({"--pid", std::to_string(gunicorn_->pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 3; }))
      << Excerpt(agent);

  // /orders/5/: one query for five orders, then one per order for its customer.
  constexpr int kOrders = 20;
  constexpr int kCustomers = 10;
  for (int i = 0; i < kOrders; ++i) ASSERT_EQ(HttpRequest(port_, "/orders/5/").status, 200);
  for (int i = 0; i < kCustomers; ++i) {
    ASSERT_EQ(HttpRequest(port_, "/customers/" + std::to_string(i % 20 + 1) + "/").status, 200);
  }
  const std::map<std::string, std::string> orders = {{"service_name", service},
                                                     {"http_route", "/orders/{id}/"}};
  const std::map<std::string, std::string> customers = {{"service_name", service},
                                                        {"http_route", "/customers/{id}/"}};
  ASSERT_EQ(Settle([&] { return agent.SumOf(std::string(kPerRequest) + "_count", customers); },
                   kCustomers),
            kCustomers)
      << Excerpt(agent);
  EXPECT_EQ(agent.SumOf(std::string(kPerRequest) + "_count", orders), kOrders) << Excerpt(agent);
  // A worker that the warm-up requests did not reach connects during its first request, and
  // Django then sends SET TIME ZONE: a real query of that request, under that request's route.
  // Which route it is depends on which worker the kernel hands the first requests to (make test
  // once saw it under /customers/); each SET is counted once, under one of the two.
  const double connection_setup =
      agent.SumOf("db_client_operation_duration_seconds_count",
                  {{"service_name", service}, {"db_operation_name", "SET"}});
  EXPECT_LE(connection_setup, 2);
  const double orders_setup =
      agent.SumOf(std::string(kPerRequest) + "_sum", orders) - kOrders * 6;
  const double customers_setup =
      agent.SumOf(std::string(kPerRequest) + "_sum", customers) - kCustomers;
  EXPECT_GE(orders_setup, 0) << Excerpt(agent);
  EXPECT_GE(customers_setup, 0) << Excerpt(agent);
  EXPECT_EQ(orders_setup + customers_setup, connection_setup) << Excerpt(agent);
  auto bucket = [&](const std::map<std::string, std::string>& route, const char* le) {
    auto labels = route;
    labels["le"] = le;
    return agent.SumOf(std::string(kPerRequest) + "_bucket", labels);
  };
  EXPECT_EQ(bucket(orders, "5"), 0);
  EXPECT_EQ(bucket(orders, "10"), kOrders);
  EXPECT_EQ(bucket(customers, "0"), 0);
  // One query each, two in a request that connected.
  EXPECT_EQ(bucket(customers, "1"), kCustomers - customers_setup);
  EXPECT_EQ(bucket(customers, "2"), kCustomers);
  EXPECT_EQ(agent.SumOf("db_client_operation_duration_seconds_count",
                        {{"service_name", service}, {"db_collection_name", "shop_customer"}}),
            kOrders * 5 + kCustomers)
      << Excerpt(agent);

  const auto response = agent.Get("/api/v1/routes?service=" + service);
  ASSERT_EQ(response.status, 200);
  const auto routes = nlohmann::json::parse(response.body)["routes"];
  const nlohmann::json* row = nullptr;
  for (const auto& r : routes) {
    if (r["http_route"] == "/orders/{id}/") row = &r;
  }
  ASSERT_NE(row, nullptr) << response.body;
  EXPECT_EQ((*row)["requests"], kOrders);
  EXPECT_DOUBLE_EQ((*row)["db_queries_per_request"].get<double>(),
                   (kOrders * 6 + orders_setup) / kOrders)
      << response.body;
  EXPECT_GT((*row)["db_time_share"].get<double>(), 0.0);
  EXPECT_LE((*row)["db_time_share"].get<double>(), 1.0);
  EXPECT_GT((*row)["p99_seconds"].get<double>(), 0.0);
  ASSERT_TRUE((*row)["n_plus_one"].is_object()) << response.body;
  EXPECT_EQ((*row)["n_plus_one"]["max_repeats"], 5);
  EXPECT_EQ((*row)["n_plus_one"]["requests"], kOrders);
  const std::string statement = (*row)["n_plus_one"]["statement"];
  EXPECT_NE(statement.find("FROM \"shop_customer\" WHERE \"shop_customer\".\"id\" = ?"),
            std::string::npos)
      << statement;
  ExpectNoEventsLost(agent, Excerpt,
                     {"ringbuf_full", "map_full", "parse", "db_response_unmatched",
                      "db_response_lost", "fanout_query_dropped", "tls_no_socket"});
  EXPECT_EQ(agent.SumOf("hostlens_tls_uncovered_connections_total"), 0) << Excerpt(agent);
  EXPECT_EQ(agent.SumOf("hostlens_tls_connections_without_plaintext_total"), 0) << Excerpt(agent);
}

// Django's cache on Redis: a known sequence of keys, each view a GET and, on a miss, a SET.
TEST_P(DjangoDb, CacheHitsAndMissesFromTheWire) {
  const std::string service = ExeName(gunicorn_->pid());
  Agent agent({"--pid", std::to_string(gunicorn_->pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 3; }));

  int hits = 0, misses = 0;
  for (const char* key : {"a", "b", "a", "c", "a", "b", "d", "d", "a"}) {
    const auto response = HttpRequest(port_, std::string("/cache/") + key + "/");
    ASSERT_EQ(response.status, 200);
    // Chunked (the app has no middleware to set Content-Length): "4\r\nhit\n\r\n0\r\n\r\n".
    (response.body.find("hit\n") != std::string::npos ? hits : misses)++;
  }
  ASSERT_EQ(hits, 5);
  ASSERT_EQ(misses, 4);
  auto lookups = [&](const char* result) {
    return agent.SumOf("cache_client_lookups_total",
                       {{"service_name", service}, {"db_system_name", "redis"}, {"result", result}});
  };
  EXPECT_EQ(Settle([&] { return lookups("miss"); }, misses), misses) << Excerpt(agent);
  EXPECT_EQ(lookups("hit"), hits) << Excerpt(agent);
  EXPECT_EQ(agent.SumOf("db_client_operation_duration_seconds_count",
                        {{"service_name", service}, {"db_system_name", "redis"},
                         {"db_operation_name", "GET"}}),
            hits + misses);
  EXPECT_EQ(agent.SumOf("db_client_operation_duration_seconds_count",
                        {{"service_name", service}, {"db_system_name", "redis"},
                         {"db_operation_name", "SET"}}),
            misses);
  // Keys never appear.
  const std::string metrics = agent.Get("/metrics").body;
  EXPECT_EQ(metrics.find(":1:a"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Transports, DjangoDb,
                         ::testing::Values(PgTransport::kUnixSocket, PgTransport::kTls),
                         PgTransportName);

}  // namespace
}  // namespace hostlens::testing
