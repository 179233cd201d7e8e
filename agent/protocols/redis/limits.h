#pragma once

// Memory bounds of one connection's parser state.

#include <cstddef>
#include <cstdint>

namespace hostlens::protocols::redis {

// Commands waiting for their reply, and commands queued in one MULTI; beyond, the oldest is
// dropped (counted).
inline constexpr size_t kMaxPending = 1024;
inline constexpr size_t kMaxQueued = 1024;

// Longest command name kept (module commands such as FT.SEARCH fit); longer or odd names are
// reported as "_OTHER".
inline constexpr size_t kMaxNameBytes = 32;
// Longest error type (first word of an error reply) kept.
inline constexpr size_t kMaxErrorTypeBytes = 32;
// Bytes of an error line kept to find its first word.
inline constexpr size_t kMaxErrorLineBytes = 64;

// Header lines ($len, *count, :int...) longer than this are not RESP (a resync).
inline constexpr size_t kMaxHeaderLine = 32;
// Inline commands longer than this are refused by the server (PROTO_INLINE_MAX_SIZE).
inline constexpr size_t kMaxInlineLine = 64 * 1024;
// Aggregates nested deeper than this are not followed (a resync).
inline constexpr size_t kMaxDepth = 64;
// Largest declared bulk length and element count accepted.
inline constexpr int64_t kMaxBulkLength = int64_t{1} << 32;
inline constexpr int64_t kMaxElements = int64_t{1} << 31;
// Top-level elements of one reply summarised one by one (EXEC's results); beyond, only counted.
inline constexpr size_t kMaxReplyItems = 1024;

}  // namespace hostlens::protocols::redis
