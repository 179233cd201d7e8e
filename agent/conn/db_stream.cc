// Each protocol parser behind DbStream: queries and commands → DbOperation, SQL normalized here.

#include "agent/conn/db_stream.h"
#include "agent/protocols/memcached/stream.h"
#include "agent/protocols/mysql/stream.h"
#include "agent/protocols/postgres/stream.h"
#include "agent/protocols/redis/stream.h"
#include "agent/sql/normalize.h"

namespace hostlens::conn {
namespace {

constexpr std::string_view kOther = "_OTHER";

template <typename Query>
DbOperation FromQuery(DbSystem system, sql::Dialect dialect, const DbStreamOptions& options,
                      Query&& query) {
  DbOperation op;
  op.system = system;
  if (!query.sql.empty()) {
    sql::Statement statement =
        sql::Normalize(query.sql, sql::NormalizeOptions{dialect, query.sql_truncated});
    op.operation = std::move(statement.operation);
    op.collection = std::move(statement.collection);
    op.statement = std::move(statement.normalized);
  }
  if (op.operation.empty()) op.operation = kOther;
  op.error_type = std::move(query.error_code);
  op.start_ns = query.start_ns;
  op.end_ns = query.end_ns;
  if (options.capture_literals) op.raw_sql = std::move(query.sql);
  return op;
}

// PostgreSQL and MySQL: each query's SQL normalized once, here.
template <DbSystem kSystem, sql::Dialect kDialect, typename Stream>
class SqlStream : public DbStream {
 public:
  explicit SqlStream(const DbStreamOptions& options) : options_(options) {}
  DbSystem system() const override { return kSystem; }
  void OnSegment(protocols::Direction direction, const protocols::Segment& segment) override {
    stream_.OnSegment(direction, segment);
  }
  void TakeOperations(std::vector<DbOperation>* out) override {
    for (auto& query : stream_.TakeQueries()) {
      out->push_back(FromQuery(kSystem, kDialect, options_, std::move(query)));
    }
  }
  DbStreamLosses losses() const override {
    const auto s = stream_.stats();
    return {s.resyncs, s.evicted_requests, s.unmatched_responses, s.lost_responses,
            s.unknown_statements, 0};
  }
  bool finished() const override { return stream_.encrypted(); }
  bool ContinueInTls() override {
    if constexpr (requires { stream_.StartTls(); }) {
      return stream_.StartTls();
    } else {
      return false;
    }
  }
  void OnClose() override { stream_.OnClose(); }

 private:
  DbStreamOptions options_;
  Stream stream_;
};

// Redis and memcached: commands carry no SQL; their names are already bounded by the parsers.
template <DbSystem kSystem, typename Stream>
class CacheStream : public DbStream {
 public:
  DbSystem system() const override { return kSystem; }
  void OnSegment(protocols::Direction direction, const protocols::Segment& segment) override {
    stream_.OnSegment(direction, segment);
  }
  void TakeOperations(std::vector<DbOperation>* out) override {
    for (auto& command : stream_.TakeCommands()) {
      DbOperation op;
      op.system = kSystem;
      op.operation = std::move(command.name);
      op.error_type = std::move(command.error_type);
      op.start_ns = command.start_ns;
      op.end_ns = command.end_ns;
      op.keys_looked_up = command.keys_looked_up;
      op.hits = command.hits;
      out->push_back(std::move(op));
    }
  }
  DbStreamLosses losses() const override {
    const auto s = stream_.stats();
    return {s.resyncs, s.evicted_requests, s.unmatched_responses, s.lost_responses, 0,
            s.unanswered};
  }

 private:
  Stream stream_;
};

}  // namespace

std::unique_ptr<DbStream> MakeDbStream(DbSystem system, const DbStreamOptions& options) {
  switch (system) {
    case DbSystem::kPostgresql:
      return std::make_unique<
          SqlStream<DbSystem::kPostgresql, sql::Dialect::kPostgres, protocols::postgres::Stream>>(
          options);
    case DbSystem::kMysql:
      return std::make_unique<
          SqlStream<DbSystem::kMysql, sql::Dialect::kMySql, protocols::mysql::Stream>>(options);
    case DbSystem::kRedis:
      return std::make_unique<CacheStream<DbSystem::kRedis, protocols::redis::Stream>>();
    case DbSystem::kMemcached:
      return std::make_unique<CacheStream<DbSystem::kMemcached, protocols::memcached::Stream>>();
  }
  return nullptr;
}

}  // namespace hostlens::conn
