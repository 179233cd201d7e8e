// Normalize throughput on short statements of the kinds the agent sees most.
#include <benchmark/benchmark.h>

#include <string_view>

#include "agent/sql/normalize.h"

namespace {

using hostlens::sql::Dialect;
using hostlens::sql::Normalize;

constexpr std::string_view kStatements[] = {
    "SELECT abalance FROM pgbench_accounts WHERE aid = $1;",
    "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 83771, -4211, "
    "CURRENT_TIMESTAMP);",
    R"(SELECT "app_item"."id", "app_item"."name", "app_item"."price" FROM "app_item" WHERE "app_item"."id" = 42 LIMIT 21)",
    "BEGIN;",
    "SELECT * FROM users WHERE email = 'someone@example.com' AND id IN (1, 2, 3, 4)",
};

void BM_Normalize(benchmark::State& state) {
  std::string_view sql = kStatements[state.range(0)];
  for (auto _ : state) benchmark::DoNotOptimize(Normalize(sql, Dialect::kPostgres));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sql.size()));
}
BENCHMARK(BM_Normalize)->DenseRange(0, std::size(kStatements) - 1);

void BM_NormalizeMix(benchmark::State& state) {
  for (auto _ : state) {
    for (std::string_view sql : kStatements) benchmark::DoNotOptimize(Normalize(sql));
  }
  state.SetItemsProcessed(state.iterations() * std::size(kStatements));
}
BENCHMARK(BM_NormalizeMix);

}  // namespace
