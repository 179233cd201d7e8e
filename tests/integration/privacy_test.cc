// Privacy canaries, by default settings: a unique string in each place a secret travels on the
// wire (a URL query string, a path segment that looks like a token, an Authorization and a Cookie
// header, an SQL literal and a bind value, a Redis key and value, a memcached key) is sent
// through real servers while the agent tracks both sides at its most verbose log level. None of
// them may appear in /metrics, any JSON API or the log; and the traffic must have been seen (its
// exchanges counted), so that an agent that saw nothing cannot pass.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db_servers.h"
#include "harness.h"

namespace hostlens::testing {
namespace {

constexpr char kQuery[] = "hlcanary-query-5be1";
// Letters and digits interleaved, 28 characters: the route heuristic's idea of a token.
constexpr char kPathToken[] = "hlc4n4ry9x8y7z6w5v4u3t2s1r0q";
constexpr char kAuthorization[] = "hlcanary-authorization-0c77";
constexpr char kCookie[] = "hlcanary-cookie-d2a9";
constexpr char kSqlLiteral[] = "hlcanary-sql-literal-71f3";
constexpr char kBindValue[] = "hlcanary-bind-value-e845";
constexpr char kRedisKey[] = "hlcanary-redis-key-3a0d";
constexpr char kRedisValue[] = "hlcanary-redis-value-9f12";
constexpr char kMemcachedKey[] = "hlcanary-memcached-key-66ce";

constexpr char kHttpCount[] = "http_server_request_duration_seconds_count";
constexpr char kOpCount[] = "db_client_operation_duration_seconds_count";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {"http_server_request_duration_seconds_count", kOpCount,
                                "hostlens_events_lost_total"});
}

TEST(PrivacyCanaries, NoSecretSentOnTheWireReachesMetricsApisOrLogs) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  ServerScript http("edge_server.py");
  ASSERT_TRUE(http.WaitUp("/after", 200));
  RedisServer redis;
  ASSERT_TRUE(redis.ok()) << redis.error();
  MemcachedServer memcached;
  ASSERT_TRUE(memcached.ok()) << memcached.error();
  PostgresServer pg;
  ASSERT_TRUE(pg.ok()) << pg.error();

  // Both sides of every conversation: the Python server and clients, redis-cli, and the servers.
  Agent agent({"--exe", "/python3[.0-9]*$", "--exe", "/redis-cli$", "--exe", "/redis-server$",
               "--exe", "/memcached$", "--exe", "/postgres$", "--log-level", "trace"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();

  // HTTP: three requests, each carrying every HTTP canary.
  const std::string script =
      "import http.client, sys\n"
      "c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]))\n"
      "for i in range(3):\n"
      "    c.request('GET', '/users/' + sys.argv[2] + '/orders?token=' + sys.argv[3],\n"
      "              headers={'Authorization': 'Bearer ' + sys.argv[4],\n"
      "                       'Cookie': 'session=' + sys.argv[5]})\n"
      "    r = c.getresponse(); r.read(); print(r.status)\n";
  auto run = RunProcess({"/usr/bin/python3", "-c", script, std::to_string(http.port()), kPathToken,
                         kQuery, kAuthorization, kCookie});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.out, "404\n404\n404\n");

  // Redis: the key and the value in a SET, the key again in a GET.
  auto set = redis.Cli({"SET", kRedisKey, kRedisValue});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  auto get = redis.Cli({"GET", kRedisKey});
  ASSERT_EQ(get.out, std::string(kRedisValue) + "\n");

  // memcached: a set and a get of the canary key (its value is not a canary: memcached's value
  // travels like Redis's, and is not a label candidate either).
  const std::string mc =
      "import socket, sys\n"
      "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
      "k = sys.argv[2].encode()\n"
      "s.sendall(b'set ' + k + b' 0 0 5\\r\\nhello\\r\\n'); assert s.recv(100) == b'STORED\\r\\n'\n"
      "s.sendall(b'get ' + k + b'\\r\\n'); d = b''\n"
      "while not d.endswith(b'END\\r\\n'): d += s.recv(100)\n"
      "print(d.count(b'hello'))\n";
  run = RunProcess({"/usr/bin/python3", "-c", mc, std::to_string(memcached.port()), kMemcachedKey});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.out, "1\n");

  // PostgreSQL: a literal in the SQL text, and a value only in a Bind message.
  for (const auto& [scenario, canary] :
       {std::pair{"canary", kSqlLiteral}, std::pair{"bind_canary", kBindValue}}) {
    std::vector<std::string> args = {scenario};
    for (const auto& a : pg.ClientArgs()) args.push_back(a);
    args.insert(args.end(), {"--canary", canary});
    auto report = RunClient(PythonClientArgv("pg_client.py", args));
    ASSERT_TRUE(report.ok()) << report.Describe();
  }

  // Seen: the server's three exchanges on a templated route, and every command and query the
  // clients sent.
  EXPECT_EQ(Settle([&] {
              return agent.SumOf(kHttpCount, {{"http_route", "/users/{id}/orders"},
                                              {"http_response_status_code", "404"}});
            }, 3),
            3)
      << Excerpt(agent);
  const std::string python = ExeName(http.process().pid());
  EXPECT_EQ(Settle([&] {
              return agent.SumOf(kOpCount, {{"service_name", "redis-cli"},
                                            {"db_system_name", "redis"}});
            }, 2),
            2)
      << Excerpt(agent);  // the SET and the GET
  EXPECT_EQ(Settle([&] {
              return agent.SumOf(kOpCount, {{"service_name", python},
                                            {"db_system_name", "memcached"}});
            }, 2),
            2)
      << Excerpt(agent);  // the set and the get
  EXPECT_EQ(Settle([&] {
              return agent.SumOf(kOpCount, {{"service_name", python},
                                            {"db_system_name", "postgresql"},
                                            {"db_operation_name", "SELECT"}});
            }, 6),
            6)
      << Excerpt(agent);  // the canary scenario's five, the bind scenario's one

  const std::string everything = AllTheAgentShows(agent);
  for (const char* canary : {kQuery, kPathToken, kAuthorization, kCookie, kSqlLiteral, kBindValue,
                             kRedisKey, kRedisValue, kMemcachedKey}) {
    EXPECT_EQ(everything.find(canary), std::string::npos) << canary;
  }
  // Not even a piece of one: the prefix every canary starts with.
  EXPECT_EQ(everything.find("hlcanary"), std::string::npos);
  EXPECT_EQ(everything.find("hlc4n4ry"), std::string::npos);
}

}  // namespace
}  // namespace hostlens::testing
