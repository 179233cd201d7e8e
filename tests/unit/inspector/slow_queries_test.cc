#include "agent/inspector/slow_queries.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace hostlens::inspector {
namespace {

using conn::DbOperation;
using conn::DbSystem;
using nlohmann::json;

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kUnixMs = 1700000000123;  // 2023-11-14T22:13:20.123Z

DbOperation Slow(std::string statement, uint64_t ms, DbSystem system = DbSystem::kPostgresql) {
  DbOperation op;
  op.system = system;
  op.operation = "SELECT";
  op.collection = "orders";
  op.statement = std::move(statement);
  op.start_ns = 5 * kMs;
  op.end_ns = op.start_ns + ms * kMs;
  return op;
}

json List(const SlowQueryLog& log, SlowQueriesQuery query = {}) {
  const json out = json::parse(log.ToJson(query, 0.1));
  EXPECT_EQ(out["threshold_seconds"], 0.1);
  return out["slow_queries"];
}

TEST(SlowQueryLogTest, EmptyShowsTheThreshold) {
  SlowQueryLog log;
  EXPECT_EQ(log.ToJson({}, 0.25), R"({"slow_queries":[],"threshold_seconds":0.25})");
  EXPECT_EQ(log.size(), 0u);
}

TEST(SlowQueryLogTest, GroupsByServiceSystemAndStatement) {
  SlowQueryLog log;
  const std::string statement = "SELECT * FROM orders WHERE id = ?";
  log.Record("api", Slow(statement, 200), kUnixMs - 5000);
  log.Record("api", Slow(statement, 500), kUnixMs - 1000);
  log.Record("api", Slow(statement, 300), kUnixMs);
  log.Record("api", Slow(statement, 150, DbSystem::kMysql), kUnixMs);  // another system
  log.Record("worker", Slow(statement, 120), kUnixMs);                 // another service
  EXPECT_EQ(log.size(), 3u);

  const json list = List(log);
  ASSERT_EQ(list.size(), 3u);
  const json& top = list[0];
  EXPECT_EQ(top["statement"], statement);
  EXPECT_EQ(top["db_system_name"], "postgresql");
  EXPECT_EQ(top["service_name"], "api");
  EXPECT_EQ(top["db_operation_name"], "SELECT");
  EXPECT_EQ(top["db_collection_name"], "orders");
  EXPECT_EQ(top["count"], 3);
  EXPECT_DOUBLE_EQ(top["total_seconds"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(top["max_seconds"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(top["last_seconds"].get<double>(), 0.3);
  EXPECT_EQ(top["last_seen"], "2023-11-14T22:13:20.123Z");
  EXPECT_FALSE(top.contains("sample_sql"));
  EXPECT_EQ(list[1]["db_system_name"], "mysql");
  EXPECT_EQ(list[2]["service_name"], "worker");
}

TEST(SlowQueryLogTest, LastSeenIsRfc3339InUtcWithMilliseconds) {
  SlowQueryLog log;
  log.Record("api", Slow("a", 200), 0);
  log.Record("api", Slow("b", 100), 951782400007);  // a leap day
  const json list = List(log);
  EXPECT_EQ(list[0]["last_seen"], "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(list[1]["last_seen"], "2000-02-29T00:00:00.007Z");
}

TEST(SlowQueryLogTest, WithoutAStatementTheOperationGroups) {
  SlowQueryLog log;
  DbOperation op = Slow("", 200);
  op.operation = "_OTHER";
  log.Record("api", op, kUnixMs);
  log.Record("api", op, kUnixMs);
  const json list = List(log);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["statement"], "_OTHER");
  EXPECT_EQ(list[0]["count"], 2);
}

TEST(SlowQueryLogTest, AtCapacityTheSmallestTotalIsPushedOut) {
  SlowQueryLog log(/*capacity=*/3);
  log.Record("api", Slow("a", 300), kUnixMs);
  log.Record("api", Slow("b", 100), kUnixMs);
  log.Record("api", Slow("c", 200), kUnixMs);
  log.Record("api", Slow("b", 150), kUnixMs);  // b: 250 in total, still kept
  EXPECT_EQ(log.evicted(), 0u);

  log.Record("api", Slow("d", 400), kUnixMs);  // pushes out c (200), the smallest
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.evicted(), 1u);
  json list = List(log);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["statement"], "d");
  EXPECT_EQ(list[1]["statement"], "a");
  EXPECT_EQ(list[2]["statement"], "b");

  // Slower than nothing kept: not kept, and counted the same.
  log.Record("api", Slow("e", 120), kUnixMs);
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.evicted(), 2u);
  list = List(log);
  for (const auto& row : list) EXPECT_NE(row["statement"], "e");
}

TEST(SlowQueryLogTest, FiltersAndLimit) {
  SlowQueryLog log;
  log.Record("api", Slow("a", 500), kUnixMs);
  log.Record("api", Slow("b", 400, DbSystem::kMysql), kUnixMs);
  log.Record("api", Slow("c", 300), kUnixMs);
  log.Record("web", Slow("d", 200), kUnixMs);

  EXPECT_EQ(List(log).size(), 4u);
  const json api_pg = List(log, {"api", "postgresql", 200});
  ASSERT_EQ(api_pg.size(), 2u);
  EXPECT_EQ(api_pg[0]["statement"], "a");
  EXPECT_EQ(api_pg[1]["statement"], "c");
  const json mysql = List(log, {"", "mysql", 200});
  ASSERT_EQ(mysql.size(), 1u);
  EXPECT_EQ(mysql[0]["statement"], "b");
  const json web = List(log, {"web", "", 200});
  ASSERT_EQ(web.size(), 1u);
  EXPECT_EQ(web[0]["statement"], "d");
  const json top2 = List(log, {"", "", 2});
  ASSERT_EQ(top2.size(), 2u);
  EXPECT_EQ(top2[0]["statement"], "a");
  EXPECT_EQ(top2[1]["statement"], "b");
  EXPECT_TRUE(List(log, {"", "redis", 200}).empty());
}

TEST(SlowQueryLogTest, SampleSqlOnlyWhenTheSqlWasCaptured) {
  SlowQueryLog log;
  DbOperation op = Slow("SELECT * FROM orders WHERE id = ?", 200);
  log.Record("api", op, kUnixMs);
  EXPECT_FALSE(List(log)[0].contains("sample_sql"));
  op.raw_sql = "SELECT * FROM orders WHERE id = 42";
  log.Record("api", op, kUnixMs);
  EXPECT_EQ(List(log)[0]["sample_sql"], "SELECT * FROM orders WHERE id = 42");
  // A later one without captured text keeps the last sample.
  op.raw_sql.clear();
  log.Record("api", op, kUnixMs);
  EXPECT_EQ(List(log)[0]["sample_sql"], "SELECT * FROM orders WHERE id = 42");
}

TEST(SlowQueryLogTest, InvalidUtf8FromTheWireDoesNotThrow) {
  SlowQueryLog log;
  DbOperation op = Slow(std::string("SELECT '\xc3\x28' FROM t\xff"), 200);
  op.raw_sql = std::string("SELECT '\xe2\x82' FROM t\xff");
  op.collection = "t\xff";
  log.Record("api", op, kUnixMs);
  std::string text;
  ASSERT_NO_THROW(text = log.ToJson({}, 0.1));
  const json list = json::parse(text)["slow_queries"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_NE(list[0]["statement"].get<std::string>().find("\xef\xbf\xbd"), std::string::npos);
}

}  // namespace
}  // namespace hostlens::inspector
