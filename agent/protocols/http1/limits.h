#pragma once

// Memory bounds of one connection's parser state.

#include <cstddef>

namespace hostlens::protocols::http1 {

// Captured bytes kept to finish one header block (start line included); a longer block is parsed
// from what was kept and marked truncated, and the rest of it is skipped.
inline constexpr size_t kMaxHeadBytes = 64 * 1024;

// Requests waiting for their response on one connection; beyond it the oldest is dropped.
inline constexpr size_t kMaxOutstandingRequests = 1024;

// Longest request-target kept per request (longer ones are cut): with kMaxOutstandingRequests
// it bounds what one connection's waiting requests hold to 4 MiB.
inline constexpr size_t kMaxTargetBytes = 4096;

// Longest method token taken for a request line ("UPDATEREDIRECTREF" is 17).
inline constexpr size_t kMaxMethodBytes = 24;

}  // namespace hostlens::protocols::http1
