#pragma once

// Which database or cache protocol a connection's first bytes show, from the client's side.
// HTTP is decided by the connection table itself (its request line may arrive in pieces).

#include <cstdint>
#include <optional>
#include <string_view>

#include "agent/conn/db_operation.h"

namespace hostlens::conn {

enum class Role { kUnknown, kServer, kClient };

// `role`: how the connection was opened (kUnknown: before the agent). `ingress`: the first bytes
// were read, else written. A server's side of a database connection is never client traffic:
// kServer gives nullopt. MySQL is told by the server's greeting (read by a client), the others by
// the client's first write: a PostgreSQL StartupMessage / SSLRequest, a RESP command array, a
// memcached command line, a Redis inline command (memcached wins a tie unless the server port is
// 6379, Redis's).
// A connection older than the agent (kUnknown) shows PostgreSQL or MySQL by a write that is a
// whole query message.
std::optional<DbSystem> DetectDbClient(Role role, bool ingress, std::string_view head,
                                       uint64_t segment_length, uint16_t remote_port);

}  // namespace hostlens::conn
