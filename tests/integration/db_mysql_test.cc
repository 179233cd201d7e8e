// MySQL-protocol client metrics of a libmariadb client (tests/integration/clients/mysql_client)
// against a throwaway MariaDB on loopback: text queries, server-side prepared statements and
// errors counted per (operation, table) and error code, exactly as the client reports it sent.
#include <gtest/gtest.h>

#include "db_servers.h"
#include "harness.h"

namespace hostlens::testing {
namespace {

constexpr char kOpCount[] = "db_client_operation_duration_seconds_count";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {"db_client_", "hostlens_events_lost_total"});
}

TEST(Mariadb, QueriesPreparedStatementsAndErrorsCountedExactly) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  MariadbServer db;
  ASSERT_TRUE(db.ok()) << db.error();
  Agent agent({"--exe", "/mysql_client$"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();

  auto args = db.ClientArgs();
  for (const char* opt : {"--inserts", "40", "--selects", "30", "--updates", "20", "--prepared",
                          "15", "--errors", "4"}) {
    args.push_back(opt);
  }
  auto report = RunClient(MysqlClientArgv(args));
  ASSERT_TRUE(report.ok()) << report.Describe();
  ASSERT_EQ(report.Count("queries", "INSERT items"), 55) << report.Describe();
  ASSERT_EQ(report.Count("queries", "SELECT items"), 45) << report.Describe();
  ASSERT_EQ(report.Count("errors", "1146"), 4) << report.Describe();

  const std::string service = "mysql_client";
  double total = 0;
  for (const auto& [key, n] : report.json["queries"].items()) {
    const size_t space = key.find(' ');
    const std::map<std::string, std::string> labels = {
        {"service_name", service},
        {"db_system_name", "mysql"},
        {"db_operation_name", key.substr(0, space)},
        {"db_collection_name", space == std::string::npos ? "" : key.substr(space + 1)}};
    EXPECT_EQ(Settle([&] { return agent.SumOf(kOpCount, labels); }, n.get<double>()),
              n.get<double>())
        << key << "\n" << Excerpt(agent);
    total += n.get<double>();
  }
  EXPECT_EQ(agent.SumOf(kOpCount, {{"service_name", service}, {"db_system_name", "mysql"}}), total)
      << Excerpt(agent);
  EXPECT_EQ(agent.SumOf(kOpCount, {{"service_name", service},
                                   {"db_collection_name", "hostlens_missing_table"},
                                   {"error_type", "1146"}}),
            4)
      << Excerpt(agent);
  const std::string address = "127.0.0.1:" + std::to_string(db.port());
  EXPECT_EQ(agent.SumOf("db_client_connections_opened_total",
                        {{"db_system_name", "mysql"}, {"server_address", address}}),
            1);
  EXPECT_EQ(Settle([&] { return agent.SumOf("db_client_connections", {{"service_name", service}}); },
                   0),
            0);
  EXPECT_GT(agent.SumOf("db_client_sent_bytes_total", {{"server_address", address}}), 0);
  ExpectNoEventsLost(agent, Excerpt,
                     {"ringbuf_full", "map_full", "parse", "db_request_evicted",
                      "db_response_unmatched", "db_response_lost", "db_statement_unknown"});
}

}  // namespace
}  // namespace hostlens::testing
