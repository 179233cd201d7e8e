// MySQL and Redis over TLS, with certificates the test makes. MariaDB (require_secure_transport:
// no plaintext over TCP) with three clients: libmariadb (the tests' mysql_client, OpenSSL), the
// `mariadb` command-line client (libmariadb too) and PyMySQL (Python's ssl: OpenSSL's _ex
// calls). Each sends the SSL request packet after the plaintext greeting and the rest inside TLS;
// the agent must go on parsing from the handshake response in the TLS probes' plaintext. Redis
// with --tls-port: redis-cli --tls and redis-py with ssl=True. Counts are the clients' own,
// exactly; nothing may be lost, resynced or reported uncovered.
//
// Each client runs as a copy under a name of its own (other tests on the machine run the same
// clients). The agent tracks the server too: the server maps the same libssl, so the library is
// attached before the agent is ready. A client started after the agent whose library nobody
// tracked maps yet makes its first TLS calls before the scanner attaches it (the C clients
// connect within a millisecond of exec): those calls are not seen (README's TLS section).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "db_servers.h"
#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
using Labels = std::map<std::string, std::string>;

constexpr char kOpCount[] = "db_client_operation_duration_seconds_count";
constexpr char kOpened[] = "db_client_connections_opened_total";
constexpr char kUncovered[] = "hostlens_tls_uncovered_connections_total";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {kOpCount, kOpened, "cache_client_", "hostlens_tls_",
                                "hostlens_events_lost_total", "hostlens_parser_resyncs_total"});
}

// Empty when /usr/bin/python3 imports `module`, else the install-deps message for `package`.
std::string MissingPythonModule(const std::string& module, const std::string& package) {
  if (RunCommand("/usr/bin/python3 -c 'import " + module + "'").exit_code == 0) return "";
  return package + " missing: run scripts/install-deps.sh (README's Dependencies)";
}

void ExpectNothingLost(Agent& agent) {
  ExpectNoEventsLost(
      agent, Excerpt,
      {"ringbuf_full", "map_full", "parse", "db_request_evicted", "db_response_unmatched",
       "db_response_lost", "db_statement_unknown", "tls_no_socket"});
  EXPECT_EQ(agent.SumOf("hostlens_parser_resyncs_total"), 0) << Excerpt(agent);
  EXPECT_EQ(agent.SumOf(kUncovered), 0) << Excerpt(agent);
}

class TlsDb : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_EQ(MakeTestCertificate(certs_.path()), "");
  }

  // The agent on the clients named `client` (a copy made by CopyOf) and on the server.
  void StartAgent(const std::string& client, pid_t server) {
    agent_ = std::make_unique<Agent>(
        std::vector<std::string>{"--exe", "/" + client + "$", "--pid", std::to_string(server)});
    ASSERT_TRUE(agent_->WaitReady()) << agent_->process().Stderr();
  }

  // A copy of `binary` in the test's directory named `name`: the client's service_name.
  std::string CopyOf(const std::string& binary, const std::string& name) {
    const std::string copy = certs_.path() + "/" + name;
    std::filesystem::copy_file(binary, copy);
    std::filesystem::permissions(copy, std::filesystem::perms::owner_all);
    return copy;
  }

  // tests/integration/clients/`script` run by a copy of /usr/bin/python3 named kPython.
  std::vector<std::string> PythonArgv(const std::string& script, std::vector<std::string> args) {
    args.insert(args.begin(), {CopyOf("/usr/bin/python3", kPython), "-B",
                               HOSTLENS_SOURCE_DIR "/tests/integration/clients/" + script});
    return args;
  }

  std::string cert() const { return certs_.path() + "/cert.pem"; }

  static constexpr char kPython[] = "hl-tls-python";

  TempDir certs_{"tls-db-certs"};
  std::unique_ptr<Agent> agent_;
};

class TlsMariadb : public TlsDb {
 protected:
  void SetUp() override {
    TlsDb::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db_ = std::make_unique<MariadbServer>(
        std::vector<std::string>{"--ssl-cert=" + cert(), "--ssl-key=" + certs_.path() + "/key.pem",
                                 "--require-secure-transport=ON"});
    ASSERT_TRUE(db_->ok()) << db_->error();
    ASSERT_EQ(db_->Sql("SHOW VARIABLES LIKE 'have_ssl'").output, "have_ssl\tYES");
  }

  // Every "<OPERATION> <table>" of `queries` counted exactly for `service`, nothing else; one
  // connection, over TLS.
  void ExpectQueries(const std::string& service, const nlohmann::json& queries) {
    double total = 0;
    for (const auto& [key, n] : queries.items()) {
      const size_t space = key.find(' ');
      const Labels labels = {
          {"service_name", service},
          {"db_system_name", "mysql"},
          {"db_operation_name", key.substr(0, space)},
          {"db_collection_name", space == std::string::npos ? "" : key.substr(space + 1)}};
      const double expected = n.get<double>();
      EXPECT_EQ(Settle([&] { return agent_->SumOf(kOpCount, labels); }, expected), expected)
          << key << "\n"
          << Excerpt(*agent_);
      total += expected;
    }
    EXPECT_EQ(agent_->SumOf(kOpCount, {{"service_name", service}}), total) << Excerpt(*agent_);
    EXPECT_EQ(
        agent_->SumOf(kOpened, {{"service_name", service},
                                {"db_system_name", "mysql"},
                                {"server_address", "127.0.0.1:" + std::to_string(db_->port())}}),
        1)
        << Excerpt(*agent_);
    ExpectNothingLost(*agent_);
  }

  std::unique_ptr<MariadbServer> db_;
};

// libmariadb with TLS enforced: text queries, server-side prepared statements (binary rows) and
// errors.
TEST_F(TlsMariadb, LibmariadbClientCountsEveryQueryOverTls) {
  const std::string client = CopyOf(MysqlClientArgv()[0], "hl-tls-mysql-client");
  ASSERT_NO_FATAL_FAILURE(StartAgent("hl-tls-mysql-client", db_->pid()));
  auto args = db_->ClientArgs();
  for (const char* opt : {"--inserts", "40", "--selects", "30", "--updates", "20", "--prepared",
                          "15", "--errors", "4"}) {
    args.push_back(opt);
  }
  args.insert(args.end(), {"--ca", cert()});
  args.insert(args.begin(), client);
  auto report = RunClient(args);
  ASSERT_TRUE(report.ok()) << report.Describe();
  ASSERT_NE(report.json.value("cipher", ""), "") << report.Describe();
  ASSERT_EQ(report.Count("queries", "INSERT items"), 55) << report.Describe();
  ASSERT_EQ(report.Count("queries", "SELECT items"), 45) << report.Describe();
  ASSERT_EQ(report.Count("queries", "UPDATE items"), 20) << report.Describe();
  ASSERT_EQ(report.Count("errors", "1146"), 4) << report.Describe();
  ExpectQueries("hl-tls-mysql-client", report.json["queries"]);
  EXPECT_EQ(agent_->SumOf(kOpCount, {{"service_name", "hl-tls-mysql-client"},
                                     {"db_collection_name", "hostlens_missing_table"},
                                     {"error_type", "1146"}}),
            4)
      << Excerpt(*agent_);
}

// The command-line client, statements on stdin (--force: on after an error).
TEST_F(TlsMariadb, MariadbCommandLineClientCountsEveryStatementOverTls) {
  ASSERT_EQ(MissingTools({"/usr/bin/mariadb"}), "");
  const std::string cli = CopyOf("/usr/bin/mariadb", "hl-tls-mariadb");
  ASSERT_NO_FATAL_FAILURE(StartAgent("hl-tls-mariadb", db_->pid()));
  nlohmann::json queries = {{"DROP", 1},
                            {"CREATE", 1},
                            {"INSERT cli_items", 25},
                            {"SELECT cli_items", 25},
                            {"UPDATE cli_items", 10},
                            {"DELETE cli_items", 5},
                            {"SELECT hostlens_missing_table", 3}};
  const std::string script = certs_.path() + "/statements.sql";
  {
    std::ofstream sql(script);
    sql << "DROP TABLE IF EXISTS cli_items;\n"
        << "CREATE TABLE cli_items (id INT PRIMARY KEY, qty INT);\n";
    for (int i = 1; i <= 25; ++i)
      sql << "INSERT INTO cli_items VALUES (" << i << ", " << i << ");\n";
    for (int i = 1; i <= 25; ++i) sql << "SELECT qty FROM cli_items WHERE id = " << i << ";\n";
    for (int i = 1; i <= 10; ++i) {
      sql << "UPDATE cli_items SET qty = qty + 1 WHERE id = " << i << ";\n";
    }
    for (int i = 1; i <= 5; ++i) sql << "DELETE FROM cli_items WHERE id = " << i << ";\n";
    for (int i = 0; i < 3; ++i) sql << "SELECT * FROM hostlens_missing_table;\n";
  }
  auto run = RunCommand(cli + " --no-defaults -h 127.0.0.1 -P " + std::to_string(db_->port()) +
                        " -u" + MariadbServer::kUser + " -p" + MariadbServer::kPassword +
                        " --ssl --ssl-ca=" + cert() + " --force --batch " +
                        MariadbServer::kDatabase + " < " + script);
  // Three errors (1146), each said on stderr; the exit status is the last error's.
  ASSERT_NE(run.output.find("ERROR 1146"), std::string::npos) << run.output;
  ExpectQueries("hl-tls-mariadb", queries);
  EXPECT_EQ(agent_->SumOf(kOpCount, {{"service_name", "hl-tls-mariadb"}, {"error_type", "1146"}}),
            3)
      << Excerpt(*agent_);
  // Every statement ran.
  EXPECT_EQ(db_->Sql("SELECT COUNT(*), SUM(qty) FROM cli_items").output, "20\t315") << run.output;
}

// PyMySQL: the protocol in Python, TLS from Python's ssl module.
TEST_F(TlsMariadb, PymysqlCountsEveryQueryOverTls) {
  ASSERT_EQ(MissingPythonModule("pymysql", "python3-pymysql"), "");
  ASSERT_NO_FATAL_FAILURE(StartAgent(kPython, db_->pid()));
  auto args = db_->ClientArgs();
  args.insert(args.end(), {"--ca", cert(), "--inserts", "30", "--selects", "20", "--updates", "10",
                           "--deletes", "5"});
  auto report = RunClient(PythonArgv("pymysql_client.py", args));
  ASSERT_TRUE(report.ok()) << report.Describe();
  ASSERT_EQ(report.Count("queries", "INSERT items"), 30) << report.Describe();
  ASSERT_EQ(report.json.value("total", 0), 67) << report.Describe();
  ExpectQueries(kPython, report.json["queries"]);
}

class TlsRedis : public TlsDb {
 protected:
  void SetUp() override {
    TlsDb::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    tls_port_ = FreePort();
    // The plaintext port (the fixture's readiness check) stays on 127.0.0.1 next to it.
    redis_ = std::make_unique<RedisServer>(std::vector<std::string>{
        "--tls-port", std::to_string(tls_port_), "--tls-cert-file", cert(), "--tls-key-file",
        certs_.path() + "/key.pem", "--tls-auth-clients", "no"});
    ASSERT_TRUE(redis_->ok()) << redis_->error()
                              << " (Debian's redis-server is built with TLS since 6.0)";
  }

  double Commands(const std::string& service, const std::string& name) {
    return agent_->SumOf(
        kOpCount,
        {{"service_name", service}, {"db_system_name", "redis"}, {"db_operation_name", name}});
  }
  double Lookups(const std::string& service, const std::string& result) {
    return agent_->SumOf(
        "cache_client_lookups_total",
        {{"service_name", service}, {"db_system_name", "redis"}, {"result", result}});
  }
  void ExpectCommands(const std::string& service, const std::map<std::string, double>& commands,
                      double hits, double misses, double connections) {
    double total = 0;
    for (const auto& [name, n] : commands) {
      EXPECT_EQ(Settle([&] { return Commands(service, name); }, n), n) << name << "\n"
                                                                       << Excerpt(*agent_);
      total += n;
    }
    EXPECT_EQ(agent_->SumOf(kOpCount, {{"service_name", service}}), total) << Excerpt(*agent_);
    EXPECT_EQ(Lookups(service, "hit"), hits) << Excerpt(*agent_);
    EXPECT_EQ(Lookups(service, "miss"), misses) << Excerpt(*agent_);
    EXPECT_EQ(
        agent_->SumOf(kOpened, {{"service_name", service},
                                {"server_address", "127.0.0.1:" + std::to_string(tls_port_)}}),
        connections)
        << Excerpt(*agent_);
    ExpectNothingLost(*agent_);
  }

  uint16_t tls_port_ = 0;
  std::unique_ptr<RedisServer> redis_;
};

// redis-cli --tls, one connection per run, each command repeated (-r) on it; with commands as
// arguments it sends nothing else (no COMMAND DOCS).
TEST_F(TlsRedis, RedisCliCountsCommandsHitsAndMissesOverTls) {
  const std::string cli = CopyOf("/usr/bin/redis-cli", "hl-tls-redis-cli");
  ASSERT_NO_FATAL_FAILURE(StartAgent("hl-tls-redis-cli", redis_->pid()));
  struct Run {
    std::vector<std::string> command;
    int repeat;
    std::string reply;
  };
  const std::vector<Run> runs = {{{"SET", "hl:cli:k", "v"}, 20, "OK"},
                                 {{"GET", "hl:cli:k"}, 15, "v"},
                                 {{"GET", "hl:cli:missing"}, 7, ""},
                                 {{"INCR", "hl:cli:n"}, 5, ""}};
  for (const auto& run : runs) {
    std::vector<std::string> argv = {cli,        "--tls",
                                     "--cacert", cert(),
                                     "-h",       "127.0.0.1",
                                     "-p",       std::to_string(tls_port_),
                                     "-r",       std::to_string(run.repeat)};
    argv.insert(argv.end(), run.command.begin(), run.command.end());
    auto out = RunProcess(argv, 30s);
    ASSERT_EQ(out.exit_code, 0) << out.err << out.out;
    ASSERT_EQ(std::count(out.out.begin(), out.out.end(), '\n'), run.repeat) << out.out;
    if (!run.reply.empty()) {
      ASSERT_EQ(out.out.substr(0, run.reply.size() + 1), run.reply + "\n");
    }
  }
  ExpectCommands("hl-tls-redis-cli", {{"SET", 20}, {"GET", 22}, {"INCR", 5}}, 15, 7, 4);
}

// redis-py with ssl=True: Python's ssl module.
TEST_F(TlsRedis, RedisPyWithSslCountsCommandsHitsAndMisses) {
  ASSERT_EQ(MissingPythonModule("redis", "python3-redis"), "");
  ASSERT_NO_FATAL_FAILURE(StartAgent(kPython, redis_->pid()));
  auto report = RunClient(PythonArgv(
      "redis_tls_client.py", {"--host", "127.0.0.1", "--port", std::to_string(tls_port_), "--ca",
                              cert(), "--sets", "25", "--hits", "30", "--misses", "12"}));
  ASSERT_TRUE(report.ok()) << report.Describe();
  ASSERT_NE(report.json.value("cipher", ""), "") << report.Describe();
  ASSERT_EQ(report.Count("commands", "GET"), 42) << report.Describe();
  std::map<std::string, double> commands;
  for (const auto& [name, n] : report.json["commands"].items()) commands[name] = n.get<double>();
  ExpectCommands(kPython, commands, report.json["hits"].get<double>(),
                 report.json["misses"].get<double>(), 1);
}

}  // namespace
}  // namespace hostlens::testing
