#include "agent/conn/detect.h"

#include "agent/protocols/memcached/parse.h"
#include "agent/protocols/mysql/parse.h"
#include "agent/protocols/postgres/parse.h"
#include "agent/protocols/redis/parse.h"

namespace hostlens::conn {
namespace {
constexpr uint16_t kRedisPort = 6379;
}  // namespace

std::optional<DbSystem> DetectDbClient(Role role, bool ingress, std::string_view head,
                                       uint64_t segment_length, uint16_t remote_port) {
  if (role == Role::kServer || head.empty()) return std::nullopt;
  if (ingress) {
    // The greeting is the first thing on a new connection; an older one is past it.
    if (role == Role::kClient && protocols::mysql::LooksLikeMysqlServerGreeting(head)) {
      return DbSystem::kMysql;
    }
    return std::nullopt;
  }
  if (protocols::postgres::LooksLikePostgresClient(head)) return DbSystem::kPostgresql;
  if (role == Role::kUnknown) {
    if (protocols::postgres::LooksLikePostgresQueryWrite(head, segment_length)) {
      return DbSystem::kPostgresql;
    }
    if (protocols::mysql::LooksLikeMysqlQueryWrite(head, segment_length)) return DbSystem::kMysql;
  }
  const bool redis = protocols::redis::LooksLikeRedisCommand(head);
  if (redis && head[0] == '*') return DbSystem::kRedis;
  if (protocols::memcached::LooksLikeMemcachedCommand(head)) {
    return redis && remote_port == kRedisPort ? DbSystem::kRedis : DbSystem::kMemcached;
  }
  if (redis) return DbSystem::kRedis;
  return std::nullopt;
}

}  // namespace hostlens::conn
