#include "agent/inspector/request_fanout.h"

#include <gtest/gtest.h>

#include <string>

namespace hostlens::inspector {
namespace {

using conn::DbOperation;
using conn::DbSystem;

constexpr uint32_t kApp = 10;
constexpr uint32_t kWorker = 11;

DbOperation Query(uint64_t start_ns, uint64_t end_ns, std::string statement,
                  DbSystem system = DbSystem::kPostgresql) {
  DbOperation op;
  op.system = system;
  op.operation = "SELECT";
  op.statement = std::move(statement);
  op.start_ns = start_ns;
  op.end_ns = end_ns;
  return op;
}

TEST(RequestFanOutTest, QueriesOfTheServingThreadWithinTheRequestAreCounted) {
  RequestFanOut fan_out;
  fan_out.MarkServer(kApp);
  EXPECT_FALSE(fan_out.IsSqlClient(kApp));
  fan_out.OnQuery(kApp, kWorker, Query(50, 90, "select ? from early"));  // before the request
  fan_out.OnQuery(kApp, kWorker, Query(110, 130, "select * from a where id = ?"));
  fan_out.OnQuery(kApp, kWorker, Query(140, 160, "select * from b where id = ?"));
  fan_out.OnQuery(kApp, kWorker + 1, Query(120, 150, "select * from other_thread"));
  fan_out.OnQuery(kApp, kWorker, Query(190, 250, "select * from next_request"));  // after
  EXPECT_TRUE(fan_out.IsSqlClient(kApp));

  const RequestQueries r = fan_out.OnRequest(kApp, kWorker, 100, 200);
  EXPECT_EQ(r.queries, 2u);
  EXPECT_EQ(r.db_ns, 40u);
  EXPECT_EQ(r.top_count, 1u);

  // The query answered after the first response is the next request's.
  const RequestQueries next = fan_out.OnRequest(kApp, kWorker, 180, 300);
  EXPECT_EQ(next.queries, 1u);
  EXPECT_EQ(next.db_ns, 60u);
  EXPECT_EQ(next.top_statement, "select * from next_request");

  // Nothing left for this thread; the other thread's query is still its own.
  EXPECT_EQ(fan_out.OnRequest(kApp, kWorker, 300, 400).queries, 0u);
  EXPECT_EQ(fan_out.OnRequest(kApp, kWorker + 1, 100, 200).queries, 1u);
  EXPECT_EQ(fan_out.threads(), 0u);
  EXPECT_EQ(fan_out.dropped(), 0u);
}

TEST(RequestFanOutTest, TopStatementIsTheMostRepeated) {
  RequestFanOut fan_out;
  fan_out.MarkServer(kApp);
  fan_out.OnQuery(kApp, kWorker, Query(10, 20, "select * from orders where user_id = ?"));
  for (uint64_t i = 0; i < 5; ++i) {
    fan_out.OnQuery(kApp, kWorker,
                    Query(30 + i * 10, 35 + i * 10, "select * from items where order_id = ?",
                          DbSystem::kMysql));
  }
  fan_out.OnQuery(kApp, kWorker, Query(100, 110, ""));  // counted, but no statement to repeat
  const RequestQueries r = fan_out.OnRequest(kApp, kWorker, 0, 1000);
  EXPECT_EQ(r.queries, 7u);
  EXPECT_EQ(r.db_ns, 10u + 5 * 5 + 10);
  EXPECT_EQ(r.top_statement, "select * from items where order_id = ?");
  EXPECT_EQ(r.top_count, 5u);
  EXPECT_EQ(r.top_system, DbSystem::kMysql);
}

TEST(RequestFanOutTest, CacheOperationsAreNotQueries) {
  RequestFanOut fan_out;
  fan_out.MarkServer(kApp);
  DbOperation get;
  get.system = DbSystem::kRedis;
  get.operation = "GET";
  get.start_ns = 110;
  get.end_ns = 120;
  fan_out.OnQuery(kApp, kWorker, get);
  get.system = DbSystem::kMemcached;
  get.operation = "get";
  fan_out.OnQuery(kApp, kWorker, get);
  EXPECT_FALSE(fan_out.IsSqlClient(kApp));
  EXPECT_EQ(fan_out.threads(), 0u);
  EXPECT_EQ(fan_out.OnRequest(kApp, kWorker, 100, 200).queries, 0u);
}

TEST(RequestFanOutTest, QueriesOfAProcessNotServingHttpAreNotKept) {
  RequestFanOut fan_out;
  fan_out.OnQuery(kApp, kWorker, Query(110, 120, "select ?"));
  EXPECT_TRUE(fan_out.IsSqlClient(kApp));  // a worker or a cron job: no requests to give them to
  EXPECT_EQ(fan_out.threads(), 0u);
}

TEST(RequestFanOutTest, EachThreadKeepsAtMostItsCapAndCountsTheDropped) {
  RequestFanOut fan_out(/*max_threads=*/16, /*max_queries_per_thread=*/3);
  fan_out.MarkServer(kApp);
  for (uint64_t i = 0; i < 5; ++i) {
    fan_out.OnQuery(kApp, kWorker, Query(100 + i * 10, 105 + i * 10, "q" + std::to_string(i)));
  }
  EXPECT_EQ(fan_out.dropped(), 2u);
  const RequestQueries r = fan_out.OnRequest(kApp, kWorker, 0, 1000);
  EXPECT_EQ(r.queries, 3u);  // the oldest went first
  EXPECT_EQ(r.db_ns, 15u);
}

TEST(RequestFanOutTest, AFullThreadTableDropsNewThreadsUntilOnesGoIdle) {
  constexpr uint64_t kSecond = 1'000'000'000;
  RequestFanOut fan_out(/*max_threads=*/2, /*max_queries_per_thread=*/100);
  fan_out.MarkServer(kApp);
  fan_out.OnQuery(kApp, 1, Query(1 * kSecond, 1 * kSecond + 5, "a"));
  fan_out.OnQuery(kApp, 1, Query(2 * kSecond, 2 * kSecond + 5, "a"));
  fan_out.OnQuery(kApp, 2, Query(50 * kSecond, 50 * kSecond + 5, "b"));
  fan_out.OnQuery(kApp, 3, Query(55 * kSecond, 55 * kSecond + 5, "c"));  // no room
  EXPECT_EQ(fan_out.threads(), 2u);
  EXPECT_EQ(fan_out.dropped(), 1u);
  // A minute after thread 1's last query, its two queries make room for thread 4.
  fan_out.OnQuery(kApp, 4, Query(63 * kSecond, 63 * kSecond + 5, "d"));
  EXPECT_EQ(fan_out.threads(), 2u);
  EXPECT_EQ(fan_out.dropped(), 3u);
  EXPECT_EQ(fan_out.OnRequest(kApp, 1, 0, 100 * kSecond).queries, 0u);
  EXPECT_EQ(fan_out.OnRequest(kApp, 4, 60 * kSecond, 100 * kSecond).queries, 1u);
}

TEST(RequestFanOutTest, ProcessExitForgetsItsThreadsAndRoles) {
  RequestFanOut fan_out;
  fan_out.MarkServer(kApp);
  fan_out.MarkServer(kApp + 1);
  fan_out.OnQuery(kApp, kWorker, Query(110, 120, "a"));
  fan_out.OnQuery(kApp, kWorker + 1, Query(110, 120, "a"));
  fan_out.OnQuery(kApp + 1, kWorker, Query(110, 120, "b"));
  EXPECT_EQ(fan_out.threads(), 3u);
  fan_out.OnProcessExit(kApp);
  EXPECT_EQ(fan_out.threads(), 1u);
  EXPECT_FALSE(fan_out.IsSqlClient(kApp));
  EXPECT_TRUE(fan_out.IsSqlClient(kApp + 1));
  EXPECT_EQ(fan_out.OnRequest(kApp, kWorker, 0, 1000).queries, 0u);
  // A new process with the same pid starts over: not a server until it serves HTTP.
  fan_out.OnQuery(kApp, kWorker, Query(110, 120, "a"));
  EXPECT_EQ(fan_out.threads(), 1u);
  EXPECT_EQ(fan_out.OnRequest(kApp + 1, kWorker, 0, 1000).queries, 1u);
}

}  // namespace
}  // namespace hostlens::inspector
