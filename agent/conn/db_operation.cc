#include "agent/conn/db_operation.h"

namespace hostlens::conn {

std::string_view DbSystemName(DbSystem system) {
  switch (system) {
    case DbSystem::kPostgresql: return "postgresql";
    case DbSystem::kMysql: return "mysql";
    case DbSystem::kRedis: return "redis";
    case DbSystem::kMemcached: return "memcached";
  }
  return "";
}

}  // namespace hostlens::conn
