// Redis and memcached client metrics of real clients (redis-benchmark, raw RESP scenarios,
// pymemcache) against throwaway servers on loopback: commands, errors and cache hits/misses
// counted exactly as the clients report they sent.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "db_servers.h"
#include "harness.h"

namespace hostlens::testing {
namespace {

using Labels = std::map<std::string, std::string>;
constexpr char kOpCount[] = "db_client_operation_duration_seconds_count";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {"db_client_operation", "db_client_conn", "cache_client_",
                                "hostlens_events_lost_total"});
}

std::string PythonService() {
  return std::filesystem::canonical("/usr/bin/python3").filename().string();
}

void ExpectNothingLost(Agent& agent) {
  ExpectNoEventsLost(agent, Excerpt,
                     {"ringbuf_full", "map_full", "parse", "db_request_evicted",
                      "db_response_unmatched", "db_response_lost"});
}

class Caches : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  }
  double Commands(Agent& agent, const std::string& system, const std::string& name,
                  const std::string& error_type = "") {
    return agent.SumOf(kOpCount, {{"db_system_name", system},
                                  {"db_operation_name", name},
                                  {"error_type", error_type}});
  }
  double Lookups(Agent& agent, const std::string& system, const std::string& result) {
    return agent.SumOf("cache_client_lookups_total",
                       {{"db_system_name", system}, {"result", result}});
  }
  // Runs cache_client.py `scenario` and checks every command it reports sent, and its hits and
  // misses, against the agent's counters (cumulative `so_far` per command).
  // Returns the bytes the client reports it wrote ("request_bytes"; 0 if it does not say).
  double RunScenario(Agent& agent, const std::string& system, const std::vector<std::string>& args,
                     std::map<std::string, double>* so_far, double* hits, double* misses) {
    auto report = RunClient(PythonClientArgv("cache_client.py", args));
    EXPECT_TRUE(report.ok()) << report.Describe();
    if (!report.ok()) return 0;
    for (const auto& [name, n] : report.json["commands"].items()) (*so_far)[name] += n.get<double>();
    *hits += report.json.value("hits", 0.0);
    *misses += report.json.value("misses", 0.0);
    for (const auto& [name, n] : *so_far) {
      const double total = agent.SumOf(kOpCount, {{"db_system_name", system},
                                                  {"db_operation_name", name}});
      if (total != n) {
        EXPECT_EQ(Settle([&] {
                    return agent.SumOf(kOpCount, {{"db_system_name", system},
                                                  {"db_operation_name", name}});
                  }, n),
                  n)
            << args[0] << ": " << name << "\n" << report.Describe() << Excerpt(agent);
      }
    }
    EXPECT_EQ(Settle([&] { return Lookups(agent, system, "hit"); }, *hits), *hits)
        << args[0] << "\n" << Excerpt(agent);
    EXPECT_EQ(Lookups(agent, system, "miss"), *misses) << args[0] << "\n" << Excerpt(agent);
    return report.json.value("request_bytes", 0.0);
  }
};

// redis-benchmark's own counts, pipelined 16 deep and not pipelined, client started after the
// agent: GET and SET 20000 each per run, nothing lost.
TEST_F(Caches, RedisBenchmarkPipelinedAndNot) {
  RedisServer redis;
  ASSERT_TRUE(redis.ok()) << redis.error();
  Agent agent({"--exe", "/redis-benchmark$"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  double expected = 0;
  for (const char* pipeline : {"16", "1"}) {
    auto run = RunProcess({"redis-benchmark", "-h", "127.0.0.1", "-p", std::to_string(redis.port()),
                           "-t", "set,get", "-n", "20000", "-P", pipeline, "-c", "8", "-q",
                           "--csv"},
                          std::chrono::seconds(120));
    ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
    // --csv: "SET","<rps>",... one line per test that completed all its requests.
    ASSERT_TRUE(std::regex_search(run.out, std::regex("\"SET\""))) << run.out;
    ASSERT_TRUE(std::regex_search(run.out, std::regex("\"GET\""))) << run.out;
    expected += 20000;
    for (const char* command : {"SET", "GET"}) {
      EXPECT_EQ(Settle([&] { return Commands(agent, "redis", command); }, expected), expected)
          << "-P " << pipeline << " " << command << "\n" << Excerpt(agent);
    }
  }
  // Every GET of redis-benchmark reads the key its SETs wrote.
  EXPECT_EQ(Lookups(agent, "redis", "hit") + Lookups(agent, "redis", "miss"), expected);
  ExpectNothingLost(agent);
}

// A 1 MB value between small commands in one pipeline (one write, then one write per
// command), MULTI/EXEC, errors, RESP3 after HELLO 3, and a subscriber whose pushed messages
// are not replies.
TEST_F(Caches, RedisPipelinesTransactionsErrorsResp3AndPubSub) {
  RedisServer redis;
  ASSERT_TRUE(redis.ok()) << redis.error();
  Agent agent({"--exe", "/python3[.0-9]*$"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  std::map<std::string, double> commands;
  double hits = 0, misses = 0;
  auto args = [&](std::vector<std::string> scenario) {
    auto a = redis.ClientArgs();
    a.insert(a.begin(), scenario.begin(), scenario.end());
    return a;
  };
  double written = RunScenario(agent, "redis", args({"pipeline_big"}), &commands, &hits, &misses);
  written += RunScenario(agent, "redis", args({"pipeline_big", "--split"}), &commands, &hits, &misses);
  // Full syscall lengths, not the captured prefix: every byte of both 1 MB pipelines.
  ASSERT_GT(written, 2 << 20);
  EXPECT_EQ(agent.SumOf("db_client_sent_bytes_total", {{"db_system_name", "redis"}}), written)
      << Excerpt(agent);
  RunScenario(agent, "redis", args({"multi"}), &commands, &hits, &misses);
  RunScenario(agent, "redis", args({"error"}), &commands, &hits, &misses);
  EXPECT_EQ(Commands(agent, "redis", "INCR", "ERR"), 1) << Excerpt(agent);
  EXPECT_EQ(Commands(agent, "redis", "LPUSH", "WRONGTYPE"), 1) << Excerpt(agent);
  RunScenario(agent, "redis", args({"resp3"}), &commands, &hits, &misses);
  RunScenario(agent, "redis", args({"subscriber", "--messages", "25"}), &commands, &hits, &misses);
  EXPECT_EQ(Commands(agent, "redis", "PUBLISH"), 25) << Excerpt(agent);
  EXPECT_EQ(Commands(agent, "redis", "SUBSCRIBE"), 1) << Excerpt(agent);
  ExpectNothingLost(agent);
  const std::string metrics = agent.Get("/metrics").body;
  EXPECT_EQ(metrics.find("hl:"), std::string::npos) << "a key reached /metrics";
}

// CLIENT REPLY OFF, ON and SKIP (also before MULTI) and an empty request: the silenced commands
// are counted in hostlens_db_commands_unanswered_total, never reported, and every answered one
// is paired with its own reply (the GETs' hit and miss prove it).
TEST_F(Caches, RedisClientReplyOffAndSkip) {
  RedisServer redis;
  ASSERT_TRUE(redis.ok()) << redis.error();
  Agent agent({"--exe", "/python3[.0-9]*$"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  std::map<std::string, double> commands;
  double hits = 0, misses = 0;
  auto args = redis.ClientArgs();
  args.insert(args.begin(), "client_reply");
  RunScenario(agent, "redis", args, &commands, &hits, &misses);
  EXPECT_EQ(hits, 1);
  EXPECT_EQ(misses, 1);
  EXPECT_EQ(Commands(agent, "redis", "CLIENT"), 1) << Excerpt(agent);
  EXPECT_EQ(Commands(agent, "redis", "MULTI"), 0) << Excerpt(agent);
  EXPECT_EQ(Commands(agent, "redis", "DEL"), 0) << Excerpt(agent);
  const Labels redis_system{{"db_system_name", "redis"}};
  EXPECT_EQ(Settle([&] { return agent.SumOf("hostlens_db_commands_unanswered_total", redis_system); },
                   8),
            8)
      << agent.Get("/metrics").body;
  ExpectNothingLost(agent);
}

// 100,000 commands with random names (Redis answers each "unknown command"): db_operation_name
// stays under its per-service cap, the overflow is counted under __other__ and in
// hostlens_series_limited_total, every command is still counted, and the agent stays small.
TEST_F(Caches, RandomCommandNamesStayUnderTheSeriesCap) {
  RedisServer redis;
  ASSERT_TRUE(redis.ok()) << redis.error();
  Agent agent({"--exe", "/python3[.0-9]*$"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  auto run = RunProcess({"/usr/bin/python3", "-B",
                         HOSTLENS_SOURCE_DIR "/tests/integration/clients/random_redis_commands.py",
                         std::to_string(redis.port()), "100000"},
                        std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.out, "100000\n");
  const Labels python = {{"service_name", PythonService()}, {"db_system_name", "redis"}};
  EXPECT_EQ(Settle([&] { return agent.SumOf(kOpCount, python); }, 100000), 100000)
      << Excerpt(agent);
  size_t series = 0;
  for (const auto& s : ParseSamples(agent.Get("/metrics").body)) {
    if (s.name == kOpCount && s.labels.at("service_name") == PythonService()) ++series;
  }
  EXPECT_EQ(series, 201u);  // the cap's 200 names and __other__
  EXPECT_EQ(agent.SumOf(kOpCount, {{"service_name", PythonService()},
                                   {"db_operation_name", "__other__"}}),
            100000 - 200);
  EXPECT_EQ(agent.SumOf("hostlens_series_limited_total",
                        {{"family", "db_client_operation_duration_seconds"}}),
            100000 - 200)
      << Excerpt(agent);
  const std::string status =
      ReadFile("/proc/" + std::to_string(agent.process().pid()) + "/status");
  const size_t rss_kb = std::stoul(status.substr(status.find("VmRSS:") + 6));
  EXPECT_LT(rss_kb, 64u * 1024) << "VmRSS " << rss_kb << " kB";
  ExpectNothingLost(agent);
}

// pymemcache: noreply sets, a multi-key get with misses, deletes, incr.
TEST_F(Caches, MemcachedSetsMultiGetsAndNoreply) {
  MemcachedServer memcached;
  ASSERT_TRUE(memcached.ok()) << memcached.error();
  Agent agent({"--exe", "/python3[.0-9]*$"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  std::map<std::string, double> commands;
  double hits = 0, misses = 0;
  auto args = memcached.ClientArgs();
  args.insert(args.begin(), {"memcached", "--sets", "30"});
  RunScenario(agent, "memcached", args, &commands, &hits, &misses);
  EXPECT_EQ(commands["set"], 31);
  EXPECT_EQ(Commands(agent, "memcached", "set"), 31) << Excerpt(agent);
  EXPECT_EQ(hits, 3);
  EXPECT_EQ(misses, 3);
  EXPECT_EQ(agent.SumOf("db_client_connections_opened_total",
                        {{"service_name", PythonService()}, {"db_system_name", "memcached"}}),
            1);
  // The 30 noreply sets and the noreply delete: answered with nothing, counted, not lost.
  EXPECT_EQ(agent.SumOf("hostlens_db_commands_unanswered_total",
                        {{"db_system_name", "memcached"}}),
            31)
      << Excerpt(agent);
  ExpectNothingLost(agent);
}

}  // namespace
}  // namespace hostlens::testing
