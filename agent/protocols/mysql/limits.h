#pragma once

// Memory bounds of one connection's parser state.

#include <cstddef>
#include <cstdint>

namespace hostlens::protocols::mysql {

// Longest statement text kept per statement and query (longer ones are cut and marked
// sql_truncated). With kMaxStatements it bounds a connection's statement map to 4 MiB.
inline constexpr size_t kMaxSqlBytes = 4096;

// Prepared statements remembered per connection; beyond it the oldest is evicted.
inline constexpr size_t kMaxStatements = 1024;

// Commands waiting for their response (more than one only when a client pipelines); beyond it
// the oldest is dropped. Also bounds the completed queries held between TakeQueries calls.
inline constexpr size_t kMaxPending = 1024;

// Captured payload bytes kept per packet, by side; the rest is skipped by its length. A client
// packet keeps a command byte and the SQL; a server packet what OK/ERR/EOF, a column count, a
// prepare OK or a handshake needs.
inline constexpr size_t kMaxClientPacketBytes = kMaxSqlBytes + 1;
inline constexpr size_t kMaxServerPacketBytes = 128;

// Largest payload one packet carries; a payload this long is continued by the next packet.
inline constexpr uint32_t kMaxPacketLength = 0xffffff;

}  // namespace hostlens::protocols::mysql
