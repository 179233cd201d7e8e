#pragma once

// /api/v1/slow-queries: SQL statements slower than the threshold, grouped by normalized text,
// the top ones by total slow time kept. Written by the event loop, read by the API's threads.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "agent/conn/db_operation.h"

namespace hostlens::inspector {

struct SlowQueriesQuery {
  std::string service;  // "" = any
  std::string system;   // db_system_name, "" = any
  size_t limit = 200;
};

class SlowQueryLog {
 public:
  static constexpr size_t kDefaultCapacity = 200;
  explicit SlowQueryLog(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // One slow query; `unix_ms` is the wall-clock time it completed.
  void Record(const std::string& service, const conn::DbOperation& op, uint64_t unix_ms);

  // JSON: {"threshold_seconds": T, "slow_queries": [{statement, db_system_name, service_name,
  // db_operation_name, db_collection_name, count, total_seconds, max_seconds, last_seconds,
  // last_seen (RFC 3339 UTC), sample_sql (only with --capture-literals)}...]} by total time.
  std::string ToJson(const SlowQueriesQuery& query, double threshold_seconds) const;

  // Statements pushed out to keep the top `capacity` (hostlens_slow_queries_evicted_total).
  uint64_t evicted() const;
  size_t size() const;

 private:
  // service, system, statement
  using Key = std::tuple<std::string, conn::DbSystem, std::string>;
  struct Entry {
    std::string operation;
    std::string collection;
    std::string sample_sql;
    uint64_t count = 0;
    uint64_t total_ns = 0;
    uint64_t max_ns = 0;
    uint64_t last_ns = 0;
    uint64_t last_unix_ms = 0;
  };

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  uint64_t evicted_ = 0;
};

}  // namespace hostlens::inspector
