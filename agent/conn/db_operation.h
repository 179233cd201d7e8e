#pragma once

// What a database or cache connection hands to the sinks: one operation as the client saw it,
// with no literal, key or value in it (unless literals are captured on purpose).

#include <cstdint>
#include <string>
#include <string_view>

namespace hostlens::conn {

enum class DbSystem : uint8_t { kPostgresql, kMysql, kRedis, kMemcached };

// db_system_name: "postgresql", "mysql", "redis", "memcached".
std::string_view DbSystemName(DbSystem system);
inline bool IsCache(DbSystem system) {
  return system == DbSystem::kRedis || system == DbSystem::kMemcached;
}

struct DbOperation {
  DbSystem system = DbSystem::kPostgresql;
  // db_operation_name: the SQL verb (SELECT...), the Redis command (GET), the memcached verb
  // (get); "_OTHER" when it can't be told.
  std::string operation;
  std::string collection;  // SQL: the main table, "" when it can't be told; caches: ""
  std::string error_type;  // SQLSTATE, MySQL error code, Redis error word...; "" on success
  std::string statement;   // SQL: normalized text (literals replaced); caches: ""
  std::string raw_sql;     // SQL as sent: only with --capture-literals, else ""
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  uint32_t keys_looked_up = 0;  // caches: keys read (GET, MGET, get k1 k2...)
  uint32_t hits = 0;            // of those, found

  uint64_t duration_ns() const { return end_ns > start_ns ? end_ns - start_ns : 0; }
};

}  // namespace hostlens::conn
