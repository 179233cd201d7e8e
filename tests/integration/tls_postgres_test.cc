// PostgreSQL over TLS (`ssl = on` with a certificate the test makes; clients with
// sslmode=require): libpq negotiates TLS in plaintext (SSLRequest, 'S'), then speaks the
// protocol inside OpenSSL. The agent must count every statement exactly, as it does in the clear.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "db_servers.h"
#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
using Labels = std::map<std::string, std::string>;

constexpr char kOpCount[] = "db_client_operation_duration_seconds_count";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {"db_client_operation_duration_seconds_count",
                                "db_client_connections_opened_total",
                                "hostlens_tls_", "hostlens_events_lost_total"});
}

void ExpectNothingLost(Agent& agent) {
  ExpectNoEventsLost(agent, Excerpt,
                     {"ringbuf_full", "map_full", "parse", "db_request_evicted",
                      "db_response_unmatched", "db_response_lost", "db_statement_unknown",
                      "tls_no_socket"});
}

class TlsPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    // The server reads its key as the user it runs as, and wants it private.
    ASSERT_EQ(MakeTestCertificate(certs_.path()), "");
    if (geteuid() == 0) {
      passwd* pw = getpwnam(PostgresServer::kUser);
      ASSERT_NE(pw, nullptr) << "no user postgres";
      for (const char* name : {"", "/key.pem", "/cert.pem"}) {
        ASSERT_EQ(chown((certs_.path() + name).c_str(), pw->pw_uid, pw->pw_gid), 0);
      }
    }
    ASSERT_EQ(chmod((certs_.path() + "/key.pem").c_str(), 0600), 0);
    pg_ = std::make_unique<PostgresServer>(std::vector<std::string>{
        "-c", "ssl=on", "-c", "ssl_cert_file=" + certs_.path() + "/cert.pem", "-c",
        "ssl_key_file=" + certs_.path() + "/key.pem"});
    ASSERT_TRUE(pg_->ok()) << pg_->error();
    ASSERT_EQ(pg_->Psql("SHOW ssl").output, "on");
  }

  std::unique_ptr<Agent> StartAgent(std::vector<std::string> args) {
    auto agent = std::make_unique<Agent>(std::move(args));
    EXPECT_TRUE(agent->WaitReady()) << agent->process().Stderr();
    return agent;
  }

  TempDir certs_{"tls-pg-certs"};
  std::unique_ptr<PostgresServer> pg_;
};

TEST_F(TlsPostgres, PgbenchOverTlsCountsEveryStatementInEachQueryMode) {
  ASSERT_TRUE(pg_->PgbenchInit(1));
  auto agent = StartAgent({"--exe", "/pgbench$"});
  const Labels select = {{"service_name", "pgbench"},
                         {"db_system_name", "postgresql"},
                         {"db_operation_name", "SELECT"},
                         {"db_collection_name", "pgbench_accounts"}};
  double selects = 0;
  for (const char* mode : {"simple", "extended", "prepared"}) {
    auto run = RunProcess(pg_->PgbenchArgv({"-n", "-S", "-c", "2", "-t", "300", "-M", mode}),
                          60s, {"PGSSLMODE=require"});
    ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
    const long transactions = PgbenchTransactions(run.out);
    ASSERT_EQ(transactions, 600) << run.out;
    selects += transactions;
    EXPECT_EQ(Settle([&] { return agent->SumOf(kOpCount, select); }, selects), selects)
        << "mode " << mode << "\n" << Excerpt(*agent);
  }
  // One connection to look at the tables, then one per client, each run; each over TLS.
  EXPECT_EQ(agent->SumOf("db_client_connections_opened_total",
                         {{"service_name", "pgbench"},
                          {"server_address", "127.0.0.1:" + std::to_string(pg_->port())}}),
            3 * 3)
      << Excerpt(*agent);
  EXPECT_EQ(agent->SumOf("hostlens_tls_uncovered_connections_total"), 0) << Excerpt(*agent);
  ExpectNothingLost(*agent);
}

// psycopg2 with sslmode=require, Django's way of asking for TLS.
TEST_F(TlsPostgres, Psycopg2WithSslmodeRequireCountsEveryStatement) {
  auto agent = StartAgent({"--exe", "/python3[.0-9]*$"});
  auto args = pg_->ClientArgs();
  for (const char* opt : {"--inserts", "40", "--selects", "30", "--updates", "20", "--deletes",
                          "10"}) {
    args.push_back(opt);
  }
  args.insert(args.begin(), "counts");
  auto argv = PythonClientArgv("pg_client.py", args);
  argv.insert(argv.begin(), {"/usr/bin/env", "PGSSLMODE=require"});
  auto report = RunClient(argv);
  ASSERT_TRUE(report.ok()) << report.Describe();
  double total = 0;
  for (const auto& [key, n] : report.json["queries"].items()) {
    const size_t space = key.find(' ');
    const double expected = n.get<double>();
    total += expected;
    EXPECT_EQ(Settle([&] {
                return agent->SumOf(kOpCount,
                                    {{"db_system_name", "postgresql"},
                                     {"db_operation_name", key.substr(0, space)},
                                     {"db_collection_name",
                                      space == std::string::npos ? "" : key.substr(space + 1)}});
              }, expected),
              expected)
        << key << "\n" << Excerpt(*agent);
  }
  // What the client says it ran, and nothing else.
  ASSERT_EQ(report.Count("queries", "INSERT items"), 40) << report.Describe();
  ASSERT_EQ(report.Count("queries", "SELECT items"), 30) << report.Describe();
  ASSERT_EQ(report.Count("queries", "UPDATE items"), 20) << report.Describe();
  ASSERT_EQ(report.Count("queries", "DELETE items"), 10) << report.Describe();
  EXPECT_EQ(agent->SumOf(kOpCount, {{"db_system_name", "postgresql"}}), total) << Excerpt(*agent);
  EXPECT_EQ(agent->SumOf("hostlens_tls_uncovered_connections_total"), 0) << Excerpt(*agent);
  ExpectNothingLost(*agent);
}

}  // namespace
}  // namespace hostlens::testing
