// The real servers and clients of db_servers.h work on their own, before any agent watches
// them: each server starts on 127.0.0.1 only, its clients and benchmarks report the counts they
// are meant to, and nothing of it is left running afterwards.

#include "db_servers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace hostlens::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DbServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root: PostgreSQL runs as user postgres, memcached and MariaDB as "
                      "root (run make test as root)";
    }
  }

  // The server is stopped, its process group empty and its temp dir gone.
  template <typename Server>
  static void ExpectStoppedOnDestruction(std::unique_ptr<Server> server) {
    const pid_t pid = server->pid();
    const std::string dir = server->dir();
    ASSERT_GT(pid, 0);
    server.reset();
    EXPECT_TRUE(ProcessGroupMembers(pid).empty()) << "processes left in group " << pid;
    EXPECT_NE(kill(pid, 0), 0) << "pid " << pid << " still exists";
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  }

  template <typename Server>
  static void ExpectLoopbackOnly(const Server& server) {
    EXPECT_THAT(ListeningAddresses(server.pid()),
                ElementsAre("tcp 127.0.0.1:" + std::to_string(server.port())));
  }
};

// ---------------------------------------------------------------------------------------------
// PostgreSQL

TEST_F(DbServersTest, PostgresClientsReportTheirCounts) {
  auto pg = std::make_unique<PostgresServer>();
  ASSERT_TRUE(pg->ok()) << pg->error();
  ExpectLoopbackOnly(*pg);
  EXPECT_TRUE(
      std::filesystem::exists(pg->socket_dir() + "/.s.PGSQL." + std::to_string(pg->port())));
  CommandResult db = pg->Psql("SELECT current_database()");
  EXPECT_EQ(db.exit_code, 0) << db.output;
  EXPECT_EQ(db.output, "hostlens");

  for (bool unix_socket : {false, true}) {
    auto args = pg->ClientArgs(unix_socket);
    args.insert(args.begin(), "counts");
    args.insert(args.end(),
                {"--inserts", "7", "--selects", "5", "--updates", "3", "--deletes", "2"});
    ClientReport counts = RunClient(PythonClientArgv("pg_client.py", args));
    ASSERT_TRUE(counts.ok()) << counts.Describe();
    EXPECT_EQ(counts.json["queries"], nlohmann::json({{"DROP", 1},
                                                      {"CREATE", 1},
                                                      {"INSERT items", 7},
                                                      {"SELECT items", 5},
                                                      {"UPDATE items", 3},
                                                      {"DELETE items", 2}}))
        << counts.Describe();
    EXPECT_EQ(counts.json["total"], 19);
    EXPECT_EQ(counts.json["rows"], 5);
  }
  EXPECT_EQ(pg->Psql("SELECT count(*) FROM items").output, "5");

  auto run = [&](std::vector<std::string> scenario) {
    auto args = pg->ClientArgs();
    scenario.insert(scenario.end(), args.begin(), args.end());
    return RunClient(PythonClientArgv("pg_client.py", scenario));
  };
  ClientReport errors = run({"errors", "--count", "4"});
  ASSERT_TRUE(errors.ok()) << errors.Describe();
  EXPECT_EQ(errors.Count("errors", "42P01"), 4);
  EXPECT_EQ(errors.Count("queries", "SELECT hostlens_missing_table"), 4);

  ClientReport slow = run({"slow", "--sleep", "0.3"});
  ASSERT_TRUE(slow.ok()) << slow.Describe();
  EXPECT_GE(slow.json["elapsed_seconds"].get<double>(), 0.3);
  EXPECT_THAT(slow.json["sql"][0].get<std::string>(), HasSubstr("pg_sleep(0.3)"));

  ClientReport big = run({"big"});
  ASSERT_TRUE(big.ok()) << big.Describe();
  EXPECT_EQ(big.json["rows"], 10000);
  EXPECT_EQ(big.json["value_bytes"], 10000000);
  EXPECT_EQ(big.json["datarow_bytes"], 10110000);

  // psycopg2 interpolates: the canary is a literal in the SQL text.
  ClientReport canary = run({"canary", "--canary", "hostlens-canary-7f3a", "--count", "2"});
  ASSERT_TRUE(canary.ok()) << canary.Describe();
  EXPECT_EQ(canary.Count("queries", "SELECT"), 2);
  EXPECT_EQ(canary.json["sql"], nlohmann::json({"SELECT 'hostlens-canary-7f3a' AS canary"}));

  // The extended protocol: the canary only in Bind.
  for (bool unix_socket : {false, true}) {
    auto args = pg->ClientArgs(unix_socket);
    args.insert(args.begin(), {"bind_canary", "--canary", "hostlens-bind-canary-51c2"});
    ClientReport bind = RunClient(PythonClientArgv("pg_client.py", args));
    ASSERT_TRUE(bind.ok()) << bind.Describe();
    EXPECT_EQ(bind.json["sql"], nlohmann::json({"SELECT $1::text AS canary"}));
    EXPECT_EQ(bind.json["canary"], "hostlens-bind-canary-51c2");
  }

  ExpectStoppedOnDestruction(std::move(pg));
}

TEST_F(DbServersTest, PgbenchRunsAgainstPostgres) {
  auto pg = std::make_unique<PostgresServer>();
  ASSERT_TRUE(pg->ok()) << pg->error();
  std::string init_output;
  ASSERT_TRUE(pg->PgbenchInit(1, &init_output)) << init_output;
  EXPECT_EQ(pg->Psql("SELECT count(*) FROM pgbench_accounts").output, "100000");

  std::vector<std::string> argv = pg->PgbenchArgv({"-n", "-S", "-t", "200"});
  EXPECT_EQ(std::filesystem::path(argv[0]).filename(), "pgbench");
  ProcessOutput bench = RunProcess(argv, std::chrono::seconds(60));
  ASSERT_EQ(bench.exit_code, 0) << ShellJoin(argv) << "\n" << bench.out << bench.err;
  EXPECT_THAT(bench.out, HasSubstr("number of transactions actually processed: 200/200"));

  // -M extended turns a script's :variables into bind parameters ($1), values from -D.
  const std::string script = pg->dir() + "/bind.sql";
  { std::ofstream(script) << "SELECT :canary AS canary;\n"; }
  ProcessOutput extended = RunProcess(pg->PgbenchArgv(
      {"-n", "-M", "extended", "-D", "canary=hostlens-canary-7f3a", "-f", script, "-t", "3"},
      /*unix_socket=*/true));
  ASSERT_EQ(extended.exit_code, 0) << extended.out << extended.err;
  EXPECT_THAT(extended.out, HasSubstr("number of transactions actually processed: 3/3"));

  ExpectStoppedOnDestruction(std::move(pg));
}

TEST_F(DbServersTest, PostgresBadOptionFailsWithTheLog) {
  PostgresServer pg({"-c", "no_such_setting=1"});
  EXPECT_FALSE(pg.ok());
  EXPECT_THAT(pg.error(), HasSubstr("failed to start PostgreSQL"));
  EXPECT_THAT(pg.error(), HasSubstr("no_such_setting"));
  EXPECT_EQ(pg.error().find('\n'), std::string::npos) << pg.error();
  EXPECT_TRUE(ProcessGroupMembers(pg.pid()).empty());
}

// ---------------------------------------------------------------------------------------------
// MariaDB

TEST_F(DbServersTest, MysqlClientReportsItsCounts) {
  auto db = std::make_unique<MariadbServer>();
  ASSERT_TRUE(db->ok()) << db->error();
  ExpectLoopbackOnly(*db);
  CommandResult who = db->Sql("SELECT DATABASE()");
  EXPECT_EQ(who.exit_code, 0) << who.output;
  EXPECT_EQ(who.output, "hostlens");

  auto args = db->ClientArgs();
  args.insert(args.end(), {"--inserts", "6", "--selects", "4", "--updates", "3", "--prepared", "5",
                           "--errors", "2"});
  ClientReport client = RunClient(MysqlClientArgv(args));
  ASSERT_TRUE(client.ok()) << client.Describe();
  EXPECT_EQ(client.json["queries"], nlohmann::json({{"DROP", 1},
                                                    {"CREATE", 1},
                                                    {"INSERT items", 6 + 5},
                                                    {"SELECT items", 4 + 5},
                                                    {"UPDATE items", 3},
                                                    {"SELECT hostlens_missing_table", 2}}))
      << client.Describe();
  EXPECT_EQ(client.json["prepared"], nlohmann::json({{"INSERT items", 5}, {"SELECT items", 5}}));
  EXPECT_EQ(client.json["commands"], nlohmann::json({{"COM_QUERY", 1 + 1 + 6 + 4 + 3 + 2},
                                                     {"COM_STMT_PREPARE", 2},
                                                     {"COM_STMT_EXECUTE", 10},
                                                     {"COM_STMT_CLOSE", 2},
                                                     {"COM_QUIT", 1}}));
  EXPECT_EQ(client.json["errors"], nlohmann::json({{"1146", 2}}));
  EXPECT_EQ(client.json["total"], 27);
  EXPECT_EQ(client.json["rows"], 9);
  EXPECT_EQ(db->Sql("SELECT count(*), sum(qty) FROM items").output,
            "11\t" + std::to_string(21 + 3 + 45));

  ExpectStoppedOnDestruction(std::move(db));
}

// ---------------------------------------------------------------------------------------------
// Redis

TEST_F(DbServersTest, RedisClientsReportTheirCounts) {
  auto redis = std::make_unique<RedisServer>();
  ASSERT_TRUE(redis->ok()) << redis->error();
  ExpectLoopbackOnly(*redis);

  ProcessOutput bench =
      RunProcess({"redis-benchmark", "-h", "127.0.0.1", "-p", std::to_string(redis->port()), "-t",
                  "set,get", "-n", "2000", "-P", "16", "-q"});
  ASSERT_EQ(bench.exit_code, 0) << bench.out << bench.err;
  EXPECT_THAT(bench.out, HasSubstr("SET: "));
  EXPECT_THAT(bench.out, HasSubstr("GET: "));

  auto run = [&](std::vector<std::string> scenario) {
    auto args = redis->ClientArgs();
    scenario.insert(scenario.end(), args.begin(), args.end());
    return RunClient(PythonClientArgv("cache_client.py", scenario));
  };
  ClientReport counts = run({"counts", "--sets", "4", "--hits", "6", "--misses", "3"});
  ASSERT_TRUE(counts.ok()) << counts.Describe();
  EXPECT_EQ(counts.json["commands"], nlohmann::json({{"SET", 4}, {"GET", 9}}));
  EXPECT_EQ(counts.json["hits"], 6);
  EXPECT_EQ(counts.json["misses"], 3);

  for (bool split : {false, true}) {
    std::vector<std::string> scenario = {"pipeline_big"};
    if (split) scenario.push_back("--split");
    ClientReport pipeline = run(scenario);
    ASSERT_TRUE(pipeline.ok()) << pipeline.Describe();
    EXPECT_EQ(pipeline.json["commands"], nlohmann::json({{"SET", 2}, {"GET", 3}}));
    EXPECT_EQ(pipeline.json["hits"], 2);
    EXPECT_EQ(pipeline.json["misses"], 1);
    EXPECT_EQ(pipeline.json["writes"], split ? 5 : 1);
    EXPECT_GT(pipeline.json["request_bytes"].get<int>(), 1 << 20);
    EXPECT_GT(pipeline.json["reply_bytes"].get<int>(), 1 << 20);
  }

  ClientReport multi = run({"multi"});
  ASSERT_TRUE(multi.ok()) << multi.Describe();
  EXPECT_EQ(multi.json["commands"],
            nlohmann::json({{"MULTI", 1}, {"SET", 1}, {"GET", 1}, {"INCR", 1}, {"EXEC", 1}}));
  EXPECT_EQ(multi.json["hits"], 1);

  ClientReport error = run({"error"});
  ASSERT_TRUE(error.ok()) << error.Describe();
  EXPECT_EQ(error.json["errors"], nlohmann::json({{"ERR", 1}, {"WRONGTYPE", 1}}));

  ClientReport resp3 = run({"resp3"});
  ASSERT_TRUE(resp3.ok()) << resp3.Describe();
  EXPECT_EQ(resp3.json["commands"],
            nlohmann::json({{"HELLO", 1}, {"SET", 1}, {"GET", 2}, {"HSET", 1}, {"HGET", 2}}));
  EXPECT_EQ(resp3.json["hits"], 2);
  EXPECT_EQ(resp3.json["misses"], 2);

  ClientReport pubsub = run({"subscriber", "--messages", "7"});
  ASSERT_TRUE(pubsub.ok()) << pubsub.Describe();
  EXPECT_EQ(pubsub.json["messages_received"], 7);
  EXPECT_EQ(pubsub.json["connections"],
            nlohmann::json({{"subscriber", {{"SUBSCRIBE", 1}, {"UNSUBSCRIBE", 1}}},
                            {"publisher", {{"PUBLISH", 7}}}}));

  ProcessOutput cli = redis->Cli({"GET", "hl:tx"});
  EXPECT_EQ(cli.out, "2\n") << cli.err;

  ExpectStoppedOnDestruction(std::move(redis));
}

TEST_F(DbServersTest, RedisBadOptionFailsWithTheLog) {
  RedisServer redis({"--no-such-directive", "1"});
  EXPECT_FALSE(redis.ok());
  EXPECT_THAT(redis.error(), HasSubstr("failed to start Redis"));
  EXPECT_THAT(redis.error(), HasSubstr("no-such-directive"));
  EXPECT_TRUE(ProcessGroupMembers(redis.pid()).empty());
}

// ---------------------------------------------------------------------------------------------
// memcached

TEST_F(DbServersTest, MemcachedClientReportsWhatPymemcacheSends) {
  auto memcached = std::make_unique<MemcachedServer>();
  ASSERT_TRUE(memcached->ok()) << memcached->error();
  ExpectLoopbackOnly(*memcached);

  auto args = memcached->ClientArgs();
  args.insert(args.begin(), {"memcached", "--sets", "5"});
  ClientReport client = RunClient(PythonClientArgv("cache_client.py", args));
  ASSERT_TRUE(client.ok()) << client.Describe();
  EXPECT_EQ(client.json["commands"],
            nlohmann::json({{"set", 6}, {"get", 3}, {"delete", 2}, {"incr", 2}}));
  EXPECT_EQ(client.json["noreply"], nlohmann::json({{"set", 5}, {"delete", 1}}));
  EXPECT_EQ(client.json["hits"], 3);
  EXPECT_EQ(client.json["misses"], 3);
  EXPECT_EQ(client.json["lines"][0], "set k0 0 0 2 noreply");
  EXPECT_EQ(client.json["lines"][6], "get k0 k1 missing-a missing-b");

  ExpectStoppedOnDestruction(std::move(memcached));
}

}  // namespace
}  // namespace hostlens::testing
