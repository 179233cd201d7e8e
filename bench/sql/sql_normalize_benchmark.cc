// hostlens::sql::Normalize against libpg_query (PostgreSQL's own parser as a library), on the
// same mix of statements, to decide which one the agent uses. Results and decision: bench/SQL.md.
//
//   taskset -c 1 build/bench/sql_normalize_benchmark --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
//   build/bench/sql_normalize_benchmark --side_by_side   # outputs next to each other, no timing
//
// Every case reads the same pool of statements: 20 statement shapes (pgbench's transaction,
// Django ORM queries, a bulk INSERT, an upsert, transaction control) in kRounds versions whose
// literals, IN-list lengths and VALUES row counts vary, so that a cache keyed by the raw text
// misses the way it would on a live server. The allocs/bytes counters count malloc calls and
// requested bytes per statement (malloc is wrapped below).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/sql/normalize.h"

#ifdef HOSTLENS_HAVE_PG_QUERY
#include <pg_query.h>
#endif

// Allocation counting: the executable's malloc interposes the one libstdc++ and libpg_query
// call, and forwards to glibc's. Plain counters: the benchmark runs on one thread.
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* pointer, size_t size);
void __libc_free(void* pointer);
}

namespace {
size_t g_allocs = 0;
size_t g_alloc_bytes = 0;
}  // namespace

extern "C" void* malloc(size_t size) noexcept {
  ++g_allocs;
  g_alloc_bytes += size;
  return __libc_malloc(size);
}
extern "C" void* calloc(size_t count, size_t size) noexcept {
  ++g_allocs;
  g_alloc_bytes += count * size;
  return __libc_calloc(count, size);
}
extern "C" void* realloc(void* pointer, size_t size) noexcept {
  ++g_allocs;
  g_alloc_bytes += size;
  return __libc_realloc(pointer, size);
}
extern "C" void free(void* pointer) noexcept { __libc_free(pointer); }

namespace {

using hostlens::sql::Dialect;
using hostlens::sql::Normalize;

constexpr size_t kShapes = 20;
constexpr size_t kRounds = 1024;  // 20480 statements, well over kCacheCapacity
constexpr size_t kCacheCapacity = 4096;

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  std::string Int(int64_t lo, int64_t hi) {
    return std::to_string(std::uniform_int_distribution<int64_t>(lo, hi)(rng_));
  }
  std::string Word(size_t length) {
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (size_t i = 0; i < length; ++i) s += kChars[Pick(sizeof(kChars) - 1)];
    return s;
  }
  std::string Timestamp() {
    return "2024-" + Pad(1 + Pick(12)) + "-" + Pad(1 + Pick(28)) + " " + Pad(Pick(24)) + ":" +
           Pad(Pick(60)) + ":" + Pad(Pick(60)) + "." + Int(100000, 999999) + "+00:00";
  }
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

 private:
  static std::string Pad(size_t v) { return (v < 10 ? "0" : "") + std::to_string(v); }
  std::mt19937_64 rng_;
};

// One version of each of the kShapes statements, in the order a mixed workload would send them.
void AppendRound(Generator& g, std::vector<std::string>& out) {
  const std::string aid = g.Int(1, 100000), tid = g.Int(1, 10), bid = g.Int(1, 1);
  const std::string delta = g.Int(-5000, 5000);
  const std::string session_key = g.Word(32);

  // pgbench's TPC-B-like transaction (pgbench -M simple sends literals in the text).
  out.push_back("BEGIN;");
  out.push_back("UPDATE pgbench_accounts SET abalance = abalance + " + delta +
                " WHERE aid = " + aid + ";");
  out.push_back("SELECT abalance FROM pgbench_accounts WHERE aid = " + aid + ";");
  out.push_back("UPDATE pgbench_tellers SET tbalance = tbalance + " + delta +
                " WHERE tid = " + tid + ";");
  out.push_back("UPDATE pgbench_branches SET bbalance = bbalance + " + delta +
                " WHERE bid = " + bid + ";");
  out.push_back("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (" + tid + ", " +
                bid + ", " + aid + ", " + delta + ", CURRENT_TIMESTAMP);");
  out.push_back("END;");

  // Django ORM, as django.db.backends.postgresql interpolates parameters client-side.
  out.push_back(
      "SELECT \"django_session\".\"session_key\", \"django_session\".\"session_data\", "
      "\"django_session\".\"expire_date\" FROM \"django_session\" WHERE "
      "(\"django_session\".\"expire_date\" > '" +
      g.Timestamp() + "'::timestamptz AND \"django_session\".\"session_key\" = '" + session_key +
      "') LIMIT 21");
  out.push_back(
      "SELECT \"auth_user\".\"id\", \"auth_user\".\"password\", \"auth_user\".\"last_login\", "
      "\"auth_user\".\"is_superuser\", \"auth_user\".\"username\", \"auth_user\".\"first_name\", "
      "\"auth_user\".\"last_name\", \"auth_user\".\"email\", \"auth_user\".\"is_staff\", "
      "\"auth_user\".\"is_active\", \"auth_user\".\"date_joined\" FROM \"auth_user\" WHERE "
      "\"auth_user\".\"id\" = " +
      g.Int(1, 50000) + " LIMIT 21");
  out.push_back(
      "SELECT \"blog_post\".\"id\", \"blog_post\".\"title\", \"blog_post\".\"slug\", "
      "\"blog_post\".\"author_id\", \"blog_post\".\"created_at\", \"auth_user\".\"id\", "
      "\"auth_user\".\"username\" FROM \"blog_post\" INNER JOIN \"auth_user\" ON "
      "(\"blog_post\".\"author_id\" = \"auth_user\".\"id\") WHERE (\"blog_post\".\"published\" "
      "AND \"blog_post\".\"created_at\" >= '" +
      g.Timestamp() +
      "'::timestamptz) ORDER BY \"blog_post\".\"created_at\" DESC LIMIT 20 OFFSET " +
      std::to_string(20 * g.Pick(50)));
  {
    std::string ids;
    const size_t n = 1 + g.Pick(20);
    for (size_t i = 0; i < n; ++i) ids += (i ? ", " : "") + g.Int(1, 100000);
    out.push_back(
        "SELECT (\"blog_post_tags\".\"post_id\") AS \"_prefetch_related_val_post_id\", "
        "\"blog_tag\".\"id\", \"blog_tag\".\"name\" FROM \"blog_tag\" INNER JOIN "
        "\"blog_post_tags\" ON (\"blog_tag\".\"id\" = \"blog_post_tags\".\"tag_id\") WHERE "
        "\"blog_post_tags\".\"post_id\" IN (" +
        ids + ")");
  }
  out.push_back(
      "SELECT COUNT(*) AS \"__count\" FROM \"blog_comment\" WHERE \"blog_comment\".\"post_id\" "
      "= " +
      g.Int(1, 100000));
  out.push_back(
      "SELECT \"blog_post\".\"id\", \"blog_post\".\"title\", COUNT(\"blog_comment\".\"id\") AS "
      "\"num_comments\" FROM \"blog_post\" LEFT OUTER JOIN \"blog_comment\" ON "
      "(\"blog_post\".\"id\" = \"blog_comment\".\"post_id\") WHERE \"blog_post\".\"author_id\" "
      "IN (SELECT U0.\"id\" FROM \"auth_user\" U0 WHERE U0.\"email\"::text LIKE '%@" +
      g.Word(8) + ".example') GROUP BY \"blog_post\".\"id\" ORDER BY \"num_comments\" DESC LIMIT " +
      g.Int(5, 50));
  out.push_back("UPDATE \"django_session\" SET \"session_data\" = '" + g.Word(96) +
                "', \"expire_date\" = '" + g.Timestamp() +
                "'::timestamptz WHERE \"django_session\".\"session_key\" = '" + session_key + "'");
  {
    std::string rows;
    const size_t n = 1 + g.Pick(10);
    for (size_t i = 0; i < n; ++i) {
      rows += (i ? ", (" : "(") + g.Int(1, 100000) + ", " + g.Int(1, 50000) + ", '" +
              g.Word(5 + g.Pick(60)) + "', '" + g.Timestamp() + "'::timestamptz)";
    }
    out.push_back(
        "INSERT INTO \"blog_comment\" (\"post_id\", \"author_id\", \"body\", \"created_at\") "
        "VALUES " +
        rows + " RETURNING \"blog_comment\".\"id\"");
  }
  {
    std::string names;
    const size_t n = 1 + g.Pick(5);
    for (size_t i = 0; i < n; ++i) names += (i ? ", '" : "'") + g.Word(4 + g.Pick(8)) + "'";
    out.push_back(
        "SELECT \"blog_tag\".\"id\", \"blog_tag\".\"name\" FROM \"blog_tag\" WHERE "
        "\"blog_tag\".\"name\" IN (" +
        names + ") ORDER BY \"blog_tag\".\"name\" ASC");
  }
  out.push_back("DELETE FROM \"django_session\" WHERE \"django_session\".\"expire_date\" < '" +
                g.Timestamp() + "'::timestamptz");
  out.push_back("COMMIT");

  // A driver with server-side binds (extended protocol), and an upsert behind a sqlcommenter tag.
  out.push_back(
      "SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.id = o.customer_id "
      "WHERE o.customer_id = $1 AND o.status = $2 ORDER BY o.created_at DESC LIMIT $3");
  out.push_back("INSERT INTO page_counters (path, hits) VALUES ('/posts/" + g.Word(12) + "', " +
                g.Int(1, 9) +
                ") ON CONFLICT (path) DO UPDATE SET hits = page_counters.hits + EXCLUDED.hits "
                "/*controller='posts',action='show',traceparent='00-" +
                g.Word(32) + "-" + g.Word(16) + "-01'*/");
}

const std::vector<std::string>& Pool() {
  static const std::vector<std::string> pool = [] {
    Generator g(42);
    std::vector<std::string> out;
    out.reserve(kShapes * kRounds);
    for (size_t r = 0; r < kRounds; ++r) {
      AppendRound(g, out);
      if (out.size() != (r + 1) * kShapes) std::abort();  // kShapes out of date
    }
    return out;
  }();
  return pool;
}

// Sets the per-statement counters from the allocation and hit counts of one benchmark run.
class Counters {
 public:
  explicit Counters(benchmark::State& state)
      : state_(state), allocs_(g_allocs), bytes_(g_alloc_bytes) {}
  void Hit() { ++hits_; }
  ~Counters() {
    const double n = static_cast<double>(state_.iterations());
    state_.SetItemsProcessed(state_.iterations());
    state_.counters["allocs"] = static_cast<double>(g_allocs - allocs_) / n;
    state_.counters["bytes"] = static_cast<double>(g_alloc_bytes - bytes_) / n;
    if (track_hits_) state_.counters["hit_rate"] = static_cast<double>(hits_) / n;
  }
  void TrackHits() { track_hits_ = true; }

 private:
  benchmark::State& state_;
  size_t allocs_, bytes_, hits_ = 0;
  bool track_hits_ = false;
};

// A cache emptied when full: crude eviction, enough to make the pool's cost visible.
template <typename Key>
class Cache {
 public:
  const std::string* Find(const Key& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  const std::string& Insert(const Key& key, std::string value) {
    if (map_.size() >= kCacheCapacity) map_.clear();
    return map_.emplace(key, std::move(value)).first->second;
  }

 private:
  std::unordered_map<Key, std::string> map_;
};

void BM_Ours(benchmark::State& state) {
  const auto& pool = Pool();
  size_t i = 0;
  Counters counters(state);
  for (auto _ : state) {
    auto statement = Normalize(pool[i], Dialect::kPostgres);
    benchmark::DoNotOptimize(statement);
    if (++i == pool.size()) i = 0;
  }
}

#ifdef HOSTLENS_HAVE_PG_QUERY

// The first round only: a cache keyed by the raw text hits on every call after the first.
const std::vector<std::string>& FixedPool() {
  static const std::vector<std::string> pool(Pool().begin(), Pool().begin() + kShapes);
  return pool;
}

std::string PgNormalize(const std::string& sql) {
  PgQueryNormalizeResult result = pg_query_normalize(sql.c_str());
  std::string out = result.error ? std::string() : std::string(result.normalized_query);
  pg_query_free_normalize_result(result);
  return out;
}

// 0 when the text does not parse.
uint64_t PgFingerprint(const std::string& sql) {
  PgQueryFingerprintResult result = pg_query_fingerprint(sql.c_str());
  const uint64_t fingerprint = result.error ? 0 : result.fingerprint;
  pg_query_free_fingerprint_result(result);
  return fingerprint;
}

void BM_PgQueryNormalize(benchmark::State& state) {
  const auto& pool = Pool();
  size_t i = 0;
  Counters counters(state);
  for (auto _ : state) {
    auto normalized = PgNormalize(pool[i]);
    benchmark::DoNotOptimize(normalized);
    if (++i == pool.size()) i = 0;
  }
}

void BM_PgQueryFingerprint(benchmark::State& state) {
  const auto& pool = Pool();
  size_t i = 0;
  Counters counters(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(PgFingerprint(pool[i]));
    if (++i == pool.size()) i = 0;
  }
}

// The parse tree as JSON: what telling the operation and main table from libpg_query takes.
void BM_PgQueryParse(benchmark::State& state) {
  const auto& pool = Pool();
  size_t i = 0;
  Counters counters(state);
  for (auto _ : state) {
    PgQueryParseResult result = pg_query_parse(pool[i].c_str());
    benchmark::DoNotOptimize(result.parse_tree);
    pg_query_free_parse_result(result);
    if (++i == pool.size()) i = 0;
  }
}

// Cache keyed by fingerprint: every call still parses (to fingerprint); a miss normalizes too.
void BM_PgQueryFingerprintCache(benchmark::State& state) {
  const auto& pool = Pool();
  Cache<uint64_t> cache;
  size_t i = 0;
  Counters counters(state);
  counters.TrackHits();
  for (auto _ : state) {
    const uint64_t fingerprint = PgFingerprint(pool[i]);
    const std::string* normalized = cache.Find(fingerprint);
    if (normalized) {
      counters.Hit();
    } else {
      normalized = &cache.Insert(fingerprint, PgNormalize(pool[i]));
    }
    benchmark::DoNotOptimize(normalized);
    if (++i == pool.size()) i = 0;
  }
}

// Cache keyed by the raw text, in front of pg_query_normalize.
void RawTextCache(benchmark::State& state, const std::vector<std::string>& pool) {
  Cache<std::string> cache;
  for (const auto& sql : FixedPool()) cache.Insert(sql, PgNormalize(sql));  // warm for AllHit
  size_t i = 0;
  Counters counters(state);
  counters.TrackHits();
  for (auto _ : state) {
    const std::string* normalized = cache.Find(pool[i]);
    if (normalized) {
      counters.Hit();
    } else {
      normalized = &cache.Insert(pool[i], PgNormalize(pool[i]));
    }
    benchmark::DoNotOptimize(normalized);
    if (++i == pool.size()) i = 0;
  }
}

void BM_PgQueryRawTextCache_AllHit(benchmark::State& state) { RawTextCache(state, FixedPool()); }
// Literals vary: only the statements without any (BEGIN, END, COMMIT, the $n one) hit.
void BM_PgQueryRawTextCache_LiteralsVary(benchmark::State& state) { RawTextCache(state, Pool()); }

#endif  // HOSTLENS_HAVE_PG_QUERY

double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double Max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

void Register(const char* name, void (*function)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name, function)
      ->ComputeStatistics("min", Min)
      ->ComputeStatistics("max", Max);
}

void SideBySide() {
  const auto& pool = Pool();
  for (size_t s = 0; s < kShapes; ++s) {
    const std::string& sql = pool[s];
    auto ours = Normalize(sql, Dialect::kPostgres);
    std::printf("input:      %s\nours:       [%s %s] %s\n", sql.c_str(), ours.operation.c_str(),
                ours.collection.c_str(), ours.normalized.c_str());
#ifdef HOSTLENS_HAVE_PG_QUERY
    std::printf("pg_query:   %s\nfingerprint %016llx\n", PgNormalize(sql).c_str(),
                static_cast<unsigned long long>(PgFingerprint(sql)));
#endif
    std::printf("\n");
  }
  // How many distinct normalized texts (and so label values / cache entries) the whole pool gives.
  std::set<std::string> ours_texts;
  for (const auto& sql : pool) ours_texts.insert(Normalize(sql, Dialect::kPostgres).normalized);
  std::printf("%zu statements of %zu shapes; distinct outputs: ours %zu", pool.size(), kShapes,
              ours_texts.size());
#ifdef HOSTLENS_HAVE_PG_QUERY
  std::set<std::string> pg_texts;
  std::set<uint64_t> fingerprints;
  for (const auto& sql : pool) {
    pg_texts.insert(PgNormalize(sql));
    fingerprints.insert(PgFingerprint(sql));
  }
  std::printf(", pg_query_normalize %zu, pg_query_fingerprint %zu", pg_texts.size(),
              fingerprints.size());
#endif
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--side_by_side") == 0) {
      SideBySide();
      return 0;
    }
  }
#ifdef HOSTLENS_HAVE_PG_QUERY
  std::fprintf(stderr, "with libpg_query (PostgreSQL %s parser)\n", PG_VERSION);
#else
  std::fprintf(stderr,
               "built without libpg_query (install libpg-query-dev and reconfigure): "
               "measuring hostlens::sql::Normalize only\n");
#endif
  Register("Ours/Normalize", BM_Ours);
#ifdef HOSTLENS_HAVE_PG_QUERY
  Register("PgQuery/Normalize", BM_PgQueryNormalize);
  Register("PgQuery/Fingerprint", BM_PgQueryFingerprint);
  Register("PgQuery/ParseJson", BM_PgQueryParse);
  Register("PgQuery/FingerprintCache", BM_PgQueryFingerprintCache);
  Register("PgQuery/RawTextCache_AllHit", BM_PgQueryRawTextCache_AllHit);
  Register("PgQuery/RawTextCache_LiteralsVary", BM_PgQueryRawTextCache_LiteralsVary);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Frees this thread's top-level memory context; optional, done by itself at thread exit.
#ifdef HOSTLENS_HAVE_PG_QUERY
  pg_query_exit();
#endif
  return 0;
}
