// PostgreSQL client metrics of real clients (pgbench, psycopg2, a hand-written extended-protocol
// client) against a throwaway PostgreSQL 15 on loopback: the agent's per (operation, table)
// counts must equal what the clients report they sent, exactly; errors carry their SQLSTATE; slow
// queries reach the inspector without their literals; a 10 MB result closes on time.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "db_servers.h"
#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
using Labels = std::map<std::string, std::string>;

constexpr char kOpCount[] = "db_client_operation_duration_seconds_count";
constexpr char kOpSum[] = "db_client_operation_duration_seconds_sum";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {"db_client_", "hostlens_events_lost_total",
                                "hostlens_series_limited_total"});
}

// The service_name of the Python clients: the executable /usr/bin/python3 resolves to.
std::string PythonService() {
  return std::filesystem::canonical("/usr/bin/python3").filename().string();
}

// "SELECT pgbench_accounts" → {operation, collection}.
Labels OperationLabels(const std::string& key) {
  const size_t space = key.find(' ');
  return {{"db_system_name", "postgresql"},
          {"db_operation_name", key.substr(0, space)},
          {"db_collection_name", space == std::string::npos ? "" : key.substr(space + 1)}};
}

class Postgres : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    pg_ = std::make_unique<PostgresServer>();
    ASSERT_TRUE(pg_->ok()) << pg_->error();
  }

  // The agent tracking the clients the test starts after it (by executable).
  std::unique_ptr<Agent> StartAgent(std::vector<std::string> args) {
    auto agent = std::make_unique<Agent>(std::move(args));
    EXPECT_TRUE(agent->WaitReady()) << agent->process().Stderr();
    return agent;
  }

  double Ops(Agent& agent, const std::string& service, Labels labels) {
    labels["service_name"] = service;
    return agent.SumOf(kOpCount, labels);
  }

  std::unique_ptr<PostgresServer> pg_;
};

// pgbench's select-only script in each query mode, then the default TPC-B-like script: every
// statement of every transaction is counted once under its operation and table.
TEST_F(Postgres, PgbenchCountsEveryStatementInEachQueryMode) {
  ASSERT_TRUE(pg_->PgbenchInit(1));  // before the agent: not counted
  auto agent = StartAgent({"--exe", "/pgbench$"});
  const Labels select = OperationLabels("SELECT pgbench_accounts");
  double selects = 0;
  for (const char* mode : {"simple", "extended", "prepared"}) {
    auto run = RunProcess(pg_->PgbenchArgv({"-n", "-S", "-c", "2", "-t", "500", "-M", mode}));
    ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
    const long transactions = PgbenchTransactions(run.out);
    ASSERT_EQ(transactions, 1000) << run.out;
    selects += transactions;  // -S: one SELECT per transaction
    EXPECT_EQ(Settle([&] { return Ops(*agent, "pgbench", select); }, selects), selects)
        << "mode " << mode << "\n" << Excerpt(*agent);
  }

  auto run = RunProcess(pg_->PgbenchArgv({"-n", "-c", "2", "-t", "300"}));
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const long tpcb = PgbenchTransactions(run.out);
  ASSERT_EQ(tpcb, 600) << run.out;
  // BEGIN; UPDATE accounts; SELECT accounts; UPDATE tellers; UPDATE branches; INSERT history; END
  for (const char* key : {"UPDATE pgbench_accounts", "UPDATE pgbench_tellers",
                          "UPDATE pgbench_branches", "INSERT pgbench_history", "BEGIN", "END"}) {
    EXPECT_EQ(Settle([&] { return Ops(*agent, "pgbench", OperationLabels(key)); }, tpcb), tpcb)
        << key << "\n" << Excerpt(*agent);
  }
  EXPECT_EQ(Ops(*agent, "pgbench", select), selects + tpcb) << Excerpt(*agent);
  // Each pgbench run opens one connection to look at the tables, then one per client (-c 2).
  EXPECT_EQ(agent->SumOf("db_client_connections_opened_total",
                         {{"service_name", "pgbench"}, {"db_system_name", "postgresql"},
                          {"server_address", "127.0.0.1:" + std::to_string(pg_->port())}}),
            4 * 3);
  EXPECT_EQ(Settle([&] {
              return agent->SumOf("db_client_connections", {{"service_name", "pgbench"}});
            }, 0),
            0);
  ExpectNoEventsLost(*agent, Excerpt,
                     {"ringbuf_full", "map_full", "parse", "db_request_evicted",
                      "db_response_unmatched", "db_response_lost", "db_statement_unknown"});
}

// psycopg2 over TCP and over the Unix socket (Django's default when HOST is empty or a
// directory): the same per-statement counts, under the socket path as server_address.
TEST_F(Postgres, Psycopg2OverTcpAndUnixSocketCountsEveryStatement) {
  auto agent = StartAgent({"--exe", "/python3[.0-9]*$"});
  double expected_total = 0;
  std::map<std::string, double> expected;
  for (bool unix_socket : {false, true}) {
    auto args = pg_->ClientArgs(unix_socket);
    for (const char* opt : {"--inserts", "40", "--selects", "30", "--updates", "20", "--deletes",
                            "10"}) {
      args.push_back(opt);
    }
    args.insert(args.begin(), "counts");
    auto report = RunClient(PythonClientArgv("pg_client.py", args));
    ASSERT_TRUE(report.ok()) << report.Describe();
    for (const auto& [key, n] : report.json["queries"].items()) {
      expected[key] += n.get<double>();
      expected_total += n.get<double>();
    }
    const std::string address = unix_socket
                                    ? pg_->socket_dir() + "/.s.PGSQL." + std::to_string(pg_->port())
                                    : "127.0.0.1:" + std::to_string(pg_->port());
    EXPECT_EQ(Settle([&] {
                return agent->SumOf("db_client_connections_opened_total",
                                    {{"db_system_name", "postgresql"}, {"server_address", address}});
              }, 1),
              1)
        << Excerpt(*agent);
    EXPECT_GT(agent->SumOf("db_client_sent_bytes_total", {{"server_address", address}}), 0);
    EXPECT_GT(agent->SumOf("db_client_received_bytes_total", {{"server_address", address}}), 0);
  }
  ASSERT_EQ(expected["INSERT items"], 80);
  ASSERT_EQ(expected["SELECT items"], 60);
  for (const auto& [key, n] : expected) {
    Labels labels = OperationLabels(key);
    labels["error_type"] = "";
    EXPECT_EQ(Settle([&] { return agent->SumOf(kOpCount, labels); }, n), n)
        << key << "\n" << Excerpt(*agent);
  }
  EXPECT_EQ(agent->SumOf(kOpCount, {{"db_system_name", "postgresql"}}), expected_total)
      << Excerpt(*agent);
}

// A missing table: each query counted under its SQLSTATE.
TEST_F(Postgres, ErrorsCarryTheirSqlstate) {
  auto agent = StartAgent({"--exe", "/python3[.0-9]*$"});
  auto args = pg_->ClientArgs();
  args.insert(args.begin(), "errors");
  args.insert(args.end(), {"--count", "7"});
  auto report = RunClient(PythonClientArgv("pg_client.py", args));
  ASSERT_TRUE(report.ok()) << report.Describe();
  ASSERT_EQ(report.Count("errors", "42P01"), 7) << report.Describe();
  EXPECT_EQ(Settle([&] {
              return agent->SumOf(kOpCount, {{"db_operation_name", "SELECT"},
                                             {"db_collection_name", "hostlens_missing_table"},
                                             {"error_type", "42P01"}});
            }, 7),
            7)
      << Excerpt(*agent);
}

// pg_sleep above the threshold: counted slow, in the inspector with its literal replaced; the
// fast ones are not.
TEST_F(Postgres, SlowQueryReachesTheInspectorWithoutItsLiteral) {
  auto agent = StartAgent({"--exe", "/python3[.0-9]*$", "--slow-query-threshold", "200ms"});
  const std::string canary = "hostlens-slow-canary-41d9";
  auto args = pg_->ClientArgs();
  args.insert(args.begin(), "slow");
  args.insert(args.end(), {"--sleep", "0.3", "--canary", canary});
  auto report = RunClient(PythonClientArgv("pg_client.py", args));
  ASSERT_TRUE(report.ok()) << report.Describe();

  EXPECT_EQ(Settle([&] {
              return agent->SumOf("db_client_slow_queries_total",
                                  {{"db_system_name", "postgresql"},
                                   {"db_operation_name", "SELECT"}});
            }, 1),
            1)
      << Excerpt(*agent);
  const auto body = agent->Get("/api/v1/slow-queries?system=postgresql");
  ASSERT_EQ(body.status, 200) << body.body;
  const auto json = nlohmann::json::parse(body.body);
  ASSERT_EQ(json["slow_queries"].size(), 1u) << body.body;
  const auto& q = json["slow_queries"][0];
  EXPECT_EQ(q["statement"], "SELECT pg_sleep(?), ? AS canary") << body.body;
  EXPECT_EQ(q["count"], 1);
  EXPECT_EQ(q["db_operation_name"], "SELECT");
  EXPECT_EQ(q["service_name"], PythonService());
  EXPECT_GE(q["max_seconds"].get<double>(), 0.3);
  EXPECT_LE(q["max_seconds"].get<double>(), report.json["elapsed_seconds"].get<double>() + 0.01);
  EXPECT_EQ(body.body.find(canary), std::string::npos) << body.body;
  EXPECT_EQ(json["threshold_seconds"], 0.2);
  // Filters: another system, another service, a limit; and a bad parameter.
  EXPECT_EQ(nlohmann::json::parse(agent->Get("/api/v1/slow-queries?system=mysql").body)
                ["slow_queries"].size(), 0u);
  EXPECT_EQ(nlohmann::json::parse(agent->Get("/api/v1/slow-queries?service=nginx").body)
                ["slow_queries"].size(), 0u);
  EXPECT_EQ(agent->Get("/api/v1/slow-queries?limit=0").status, 400);
  EXPECT_EQ(agent->Get("/api/v1/slow-queries?literal=1").status, 400);
}

// ~10 MB of DataRows, far beyond the captured prefix of each read: the query still ends at its
// ReadyForQuery, with the client's latency, and nothing is lost.
TEST_F(Postgres, TenMegabyteResultClosesOnTime) {
  auto agent = StartAgent({"--exe", "/python3[.0-9]*$"});
  auto args = pg_->ClientArgs();
  args.insert(args.begin(), "big");
  auto report = RunClient(PythonClientArgv("pg_client.py", args));
  ASSERT_TRUE(report.ok()) << report.Describe();
  ASSERT_GE(report.json["datarow_bytes"].get<double>(), 10e6) << report.Describe();
  const Labels big = {{"db_operation_name", "SELECT"}, {"db_collection_name", ""},
                      {"db_system_name", "postgresql"}, {"error_type", ""}};
  ASSERT_EQ(Settle([&] { return agent->SumOf(kOpCount, big); }, 1), 1) << Excerpt(*agent);
  const double seconds = agent->SumOf(kOpSum, big);
  const double elapsed = report.json["elapsed_seconds"].get<double>();
  EXPECT_LE(seconds, elapsed + 0.005) << "client saw " << elapsed;
  EXPECT_GE(seconds, elapsed * 0.5) << "client saw " << elapsed;
  EXPECT_GE(agent->SumOf("db_client_received_bytes_total", {{"db_system_name", "postgresql"}}),
            report.json["datarow_bytes"].get<double>());
  ExpectNoEventsLost(*agent, Excerpt,
                     {"ringbuf_full", "map_full", "parse", "db_request_evicted",
                      "db_response_unmatched", "db_response_lost"});
}

// A canary in a query's text and in a bind value: absent from /metrics, every API and the log,
// even with every query kept by the inspector; with --capture-literals the inspector shows it.
TEST_F(Postgres, LiteralsNeverLeaveTheAgentUnlessAskedFor) {
  const std::string text_canary = "hostlens-text-canary-8c1e";
  const std::string bind_canary = "hostlens-bind-canary-93fa";
  for (bool capture : {false, true}) {
    std::vector<std::string> agent_args = {"--exe", "/python3[.0-9]*$", "--slow-query-threshold",
                                           "1us", "--log-level", "trace"};
    if (capture) agent_args.push_back("--capture-literals");
    auto agent = StartAgent(agent_args);
    for (const auto& [scenario, canary] :
         {std::pair{"canary", text_canary}, std::pair{"bind_canary", bind_canary}}) {
      auto args = pg_->ClientArgs();
      args.insert(args.begin(), scenario);
      args.insert(args.end(), {"--canary", canary});
      auto report = RunClient(PythonClientArgv("pg_client.py", args));
      ASSERT_TRUE(report.ok()) << report.Describe();
    }
    ASSERT_GE(Settle([&] { return agent->SumOf(kOpCount, {{"db_system_name", "postgresql"}}); }, 2),
              2)
        << Excerpt(*agent);
    ExpectPostgresCanariesKept(*agent, capture, text_canary, bind_canary);
  }
}

}  // namespace
}  // namespace hostlens::testing
