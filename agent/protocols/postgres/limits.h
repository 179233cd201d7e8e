#pragma once

// Memory bounds of one connection's parser state.

#include <cstddef>
#include <cstdint>

namespace hostlens::protocols::postgres {

// Longest statement text kept per statement, portal and query (longer ones are cut and marked
// sql_truncated). With kMaxStatements it bounds a connection's statement map to 4 MiB.
inline constexpr size_t kMaxSqlBytes = 4096;

// Named statements (and portals) remembered per connection; beyond it the oldest is evicted.
inline constexpr size_t kMaxStatements = 1024;

// Requests (Query, Execute, Sync) waiting for their response; beyond it the oldest is dropped.
inline constexpr size_t kMaxPending = 1024;

// Captured payload bytes kept per message, by kind; the rest is skipped by its length.
inline constexpr size_t kMaxStatementMessageBytes = kMaxSqlBytes + 256;  // Query, Parse
inline constexpr size_t kMaxNamesMessageBytes = 512;                     // Bind, Execute, Close
inline constexpr size_t kMaxErrorMessageBytes = 1024;                    // ErrorResponse
inline constexpr size_t kMaxStartupMessageBytes = 1024;

// Largest length a message header may carry (the server's own limit is 1 GiB for any message).
inline constexpr uint32_t kMaxMessageLength = 1u << 30;

}  // namespace hostlens::protocols::postgres
