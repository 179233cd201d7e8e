#pragma once

// Per-request fan-out: for servers that handle one request per thread at a time (gunicorn sync,
// uWSGI, threaded runserver, PHP-FPM...), the SQL queries a thread completes between reading a
// request and writing its response belong to that request. Single-threaded: the event loop owns
// it.

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "agent/conn/db_operation.h"

namespace hostlens::inspector {

struct RequestQueries {
  uint32_t queries = 0;
  uint64_t db_ns = 0;  // sum of the queries' durations
  // The statement repeated most in this request (the N+1 suspect), and how often.
  std::string top_statement;
  conn::DbSystem top_system = conn::DbSystem::kPostgresql;
  uint32_t top_count = 0;
};

class RequestFanOut {
 public:
  static constexpr size_t kDefaultMaxThreads = 16384;
  static constexpr size_t kDefaultMaxQueriesPerThread = 4096;

  explicit RequestFanOut(size_t max_threads = kDefaultMaxThreads,
                         size_t max_queries_per_thread = kDefaultMaxQueriesPerThread)
      : max_threads_(max_threads), max_queries_per_thread_(max_queries_per_thread) {}

  // A process serves HTTP: its threads' queries are kept until their request completes.
  void MarkServer(uint32_t tgid) { servers_.insert(tgid); }
  // A process talks SQL: its requests get a fan-out (0 when a request made no query).
  bool IsSqlClient(uint32_t tgid) const { return sql_clients_.count(tgid) > 0; }

  // An SQL query completed, its answer read by thread `tid`.
  void OnQuery(uint32_t tgid, uint32_t tid, const conn::DbOperation& op);
  // A request of `tgid` read from start_ns was answered by thread `tid` up to end_ns: its
  // queries, removed from the thread's list with everything older.
  RequestQueries OnRequest(uint32_t tgid, uint32_t tid, uint64_t start_ns, uint64_t end_ns);
  void OnProcessExit(uint32_t tgid);

  // Queries dropped because a thread kept more than its cap between requests, or because the
  // thread table was full: hostlens_events_lost_total{reason="fanout_query_dropped"}.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }  // any thread
  size_t threads() const { return threads_.size(); }

 private:
  struct Entry {
    uint64_t start_ns;
    uint64_t end_ns;
    conn::DbSystem system;
    std::string statement;
  };
  struct Thread {
    std::deque<Entry> entries;
    uint64_t last_ns = 0;
  };
  static uint64_t Key(uint32_t tgid, uint32_t tid) {
    return (static_cast<uint64_t>(tgid) << 32) | tid;
  }
  void MakeRoom(uint64_t now_ns);

  const size_t max_threads_;
  const size_t max_queries_per_thread_;
  std::unordered_set<uint32_t> servers_;
  std::unordered_set<uint32_t> sql_clients_;
  std::unordered_map<uint64_t, Thread> threads_;
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace hostlens::inspector
