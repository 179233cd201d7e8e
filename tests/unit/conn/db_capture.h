#pragma once

// The database and cache captures (tests/fixtures/{postgres,mysql,redis,memcached}) in one shape
// for the connection table's tests: the records, and per operation the labels the table should
// hand to its sink. Shared by the conn tests.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/conn/db_operation.h"
#include "agent/sql/normalize.h"
#include "tests/unit/protocols/fixture.h"

namespace hostlens::conn::test_util {

using protocols::test_util::CaptureRecord;

struct ExpectedOperation {
  size_t end = 0;  // offset in the whole recording just past the response's last byte
  std::string operation;
  std::string collection;
  std::string error_type;
  std::string sql;  // SQL as sent ("" for caches)
  uint32_t keys = 0;
  uint32_t hits = 0;
};

struct DbCapture {
  std::string protocol;  // fixture directory: postgres, mysql, redis, memcached
  std::string name;
  DbSystem system = DbSystem::kPostgresql;
  std::vector<CaptureRecord> records;
  std::vector<ExpectedOperation> expected;

  uint64_t BytesFrom(bool client) const {
    uint64_t n = 0;
    for (const auto& r : records) n += r.from_client == client ? r.bytes.size() : 0;
    return n;
  }
};

inline DbSystem SystemOf(std::string_view protocol) {
  if (protocol == "postgres") return DbSystem::kPostgresql;
  if (protocol == "mysql") return DbSystem::kMysql;
  if (protocol == "redis") return DbSystem::kRedis;
  return DbSystem::kMemcached;
}

inline uint16_t DefaultPort(DbSystem system) {
  switch (system) {
    case DbSystem::kPostgresql:
      return 5432;
    case DbSystem::kMysql:
      return 3306;
    case DbSystem::kRedis:
      return 6379;
    case DbSystem::kMemcached:
      return 11211;
  }
  return 0;
}

// The SQL captures' "# query:" lines give the SQL; its labels are what agent/sql makes of it (the
// normalizer has its own tests): this checks that the table hands them over, per query.
inline DbCapture LoadDbCapture(const std::string& protocol, const std::string& name) {
  DbCapture capture;
  capture.protocol = protocol;
  capture.name = name;
  capture.system = SystemOf(protocol);
  if (IsCache(capture.system)) {
    auto recorded = protocols::test_util::LoadCommandCapture(protocol, name);
    capture.records = std::move(recorded.records);
    for (const auto& c : recorded.expected) {
      ExpectedOperation op;
      op.end = c.end;
      op.operation = c.name;
      op.error_type = c.error_type;
      op.keys = c.keys;
      op.hits = c.hits;
      capture.expected.push_back(std::move(op));
    }
    return capture;
  }
  auto recorded = protocols::test_util::LoadSqlCapture(protocol, name);
  capture.records = std::move(recorded.records);
  const sql::Dialect dialect =
      capture.system == DbSystem::kMysql ? sql::Dialect::kMySql : sql::Dialect::kPostgres;
  for (const auto& q : recorded.expected) {
    ExpectedOperation op;
    op.end = q.end;
    sql::Statement statement = sql::Normalize(q.sql, dialect);
    op.operation = statement.operation.empty() ? "_OTHER" : statement.operation;
    op.collection = statement.collection;
    op.error_type = q.error_code;
    op.sql = q.sql;
    capture.expected.push_back(std::move(op));
  }
  return capture;
}

}  // namespace hostlens::conn::test_util
