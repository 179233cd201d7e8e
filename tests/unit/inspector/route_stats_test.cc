#include "agent/inspector/route_stats.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace hostlens::inspector {
namespace {

using nlohmann::json;

constexpr uint64_t kMs = 1'000'000;

json Routes(const RouteStats& stats, RoutesQuery query = {}) {
  return json::parse(stats.ToJson(query))["routes"];
}

RequestQueries FanOut(uint32_t queries, uint64_t db_ns, std::string top = "",
                      uint32_t top_count = 0, conn::DbSystem system = conn::DbSystem::kPostgresql) {
  RequestQueries r;
  r.queries = queries;
  r.db_ns = db_ns;
  r.top_statement = std::move(top);
  r.top_count = top_count;
  r.top_system = system;
  return r;
}

TEST(RouteStatsTest, EmptyIsAnEmptyList) {
  RouteStats stats;
  EXPECT_EQ(stats.ToJson({}), R"({"routes":[]})");
}

TEST(RouteStatsTest, LatencyQuantilesAndMeanFollowTheRequests) {
  RouteStats stats;
  for (uint64_t ms = 1; ms <= 100; ++ms) stats.Record("api", "/users/{id}", ms * kMs, nullptr);
  const json routes = Routes(stats);
  ASSERT_EQ(routes.size(), 1u);
  const json& r = routes[0];
  EXPECT_EQ(r["service_name"], "api");
  EXPECT_EQ(r["http_route"], "/users/{id}");
  EXPECT_EQ(r["requests"], 100);
  EXPECT_NEAR(r["p50_seconds"].get<double>(), 0.050, 0.050 * 0.05);
  EXPECT_NEAR(r["p99_seconds"].get<double>(), 0.099, 0.099 * 0.05);
  EXPECT_NEAR(r["mean_seconds"].get<double>(), 0.0505, 1e-9);
  // Not an SQL client: no fan-out to show.
  EXPECT_TRUE(r["db_queries_per_request"].is_null());
  EXPECT_TRUE(r["db_time_share"].is_null());
  EXPECT_TRUE(r["n_plus_one"].is_null());
}

TEST(RouteStatsTest, FanOutGivesQueriesPerRequestAndTimeShare) {
  RouteStats stats;
  RequestQueries three = FanOut(3, 10 * kMs);
  RequestQueries five = FanOut(5, 30 * kMs);
  RequestQueries none = FanOut(0, 0);
  stats.Record("api", "/orders", 40 * kMs, &three);
  stats.Record("api", "/orders", 60 * kMs, &five);
  stats.Record("api", "/orders", 100 * kMs, &none);
  stats.Record("api", "/orders", 1000 * kMs, nullptr);  // counted in latency, not in fan-out
  const json r = Routes(stats)[0];
  EXPECT_EQ(r["requests"], 4);
  EXPECT_DOUBLE_EQ(r["db_queries_per_request"].get<double>(), 8.0 / 3);
  EXPECT_DOUBLE_EQ(r["db_time_share"].get<double>(), 40.0 / 200);
  EXPECT_TRUE(r["n_plus_one"].is_null());  // nothing repeated
}

TEST(RouteStatsTest, TimeShareNeverExceedsOne) {
  RouteStats stats;
  // Pipelined or overlapping queries can add up to more than the request.
  RequestQueries fan_out = FanOut(4, 80 * kMs);
  stats.Record("api", "/batch", 50 * kMs, &fan_out);
  EXPECT_DOUBLE_EQ(Routes(stats)[0]["db_time_share"].get<double>(), 1.0);
}

TEST(RouteStatsTest, NPlusOneIsTheStatementRepeatedMostWithinOneRequest) {
  RouteStats stats;
  const std::string items = "SELECT * FROM items WHERE order_id = ?";
  RequestQueries a = FanOut(11, 5 * kMs, items, 10);
  RequestQueries b = FanOut(6, 5 * kMs, items, 5);
  RequestQueries c = FanOut(3, 5 * kMs, "SELECT * FROM users WHERE id = ?", 3);
  stats.Record("shop", "/orders/{id}", 20 * kMs, &a);
  stats.Record("shop", "/orders/{id}", 20 * kMs, &b);
  stats.Record("shop", "/orders/{id}", 20 * kMs, &c);  // fewer repeats: not the suspect
  const json n_plus_one = Routes(stats)[0]["n_plus_one"];
  ASSERT_TRUE(n_plus_one.is_object());
  EXPECT_EQ(n_plus_one["statement"], items);
  EXPECT_EQ(n_plus_one["db_system_name"], "postgresql");
  EXPECT_EQ(n_plus_one["max_repeats"], 10);
  EXPECT_EQ(n_plus_one["requests"], 2);

  // A statement repeated more takes over.
  RequestQueries d =
      FanOut(21, 5 * kMs, "SELECT * FROM tags WHERE item_id = ?", 20, conn::DbSystem::kMysql);
  stats.Record("shop", "/orders/{id}", 20 * kMs, &d);
  const json now = Routes(stats)[0]["n_plus_one"];
  EXPECT_EQ(now["statement"], "SELECT * FROM tags WHERE item_id = ?");
  EXPECT_EQ(now["db_system_name"], "mysql");
  EXPECT_EQ(now["max_repeats"], 20);
  EXPECT_EQ(now["requests"], 1);
}

TEST(RouteStatsTest, ServiceFilterAndLimitKeepTheBusiest) {
  RouteStats stats;
  for (int i = 0; i < 3; ++i) stats.Record("api", "/a", kMs, nullptr);
  for (int i = 0; i < 5; ++i) stats.Record("api", "/b", kMs, nullptr);
  for (int i = 0; i < 1; ++i) stats.Record("api", "/c", kMs, nullptr);
  for (int i = 0; i < 9; ++i) stats.Record("web", "/a", kMs, nullptr);

  const json all = Routes(stats);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0]["service_name"], "web");
  EXPECT_EQ(all[1]["http_route"], "/b");
  EXPECT_EQ(all[2]["http_route"], "/a");
  EXPECT_EQ(all[3]["http_route"], "/c");

  const json api = Routes(stats, {"api", 100});
  ASSERT_EQ(api.size(), 3u);
  for (const auto& r : api) EXPECT_EQ(r["service_name"], "api");

  const json top = Routes(stats, {"api", 2});
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0]["http_route"], "/b");
  EXPECT_EQ(top[1]["http_route"], "/a");

  EXPECT_TRUE(Routes(stats, {"nobody", 100}).empty());
}

TEST(RouteStatsTest, RoutesPastTheCapAreCountedNotKept) {
  RouteStats stats(/*max_routes=*/2);
  stats.Record("api", "/a", kMs, nullptr);
  stats.Record("api", "/b", kMs, nullptr);
  stats.Record("api", "/c", kMs, nullptr);
  stats.Record("web", "/a", kMs, nullptr);
  stats.Record("api", "/a", kMs, nullptr);  // already kept
  EXPECT_EQ(stats.dropped(), 2u);
  const json routes = Routes(stats);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]["requests"], 2);
}

TEST(RouteStatsTest, InvalidUtf8FromTheWireDoesNotThrow) {
  RouteStats stats;
  const std::string bad = std::string("SELECT * FROM t WHERE name = '\xff\xfe") + "'";
  RequestQueries fan_out = FanOut(4, kMs, bad, 4);
  stats.Record("api\xc3", "/caf\xe9", 5 * kMs, &fan_out);
  std::string text;
  ASSERT_NO_THROW(text = stats.ToJson({}));
  const json routes = json::parse(text)["routes"];  // valid JSON, the bad bytes replaced
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0]["n_plus_one"]["statement"],
            "SELECT * FROM t WHERE name = '\xef\xbf\xbd\xef\xbf\xbd'");
}

}  // namespace
}  // namespace hostlens::inspector
