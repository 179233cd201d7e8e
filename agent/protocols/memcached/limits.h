#pragma once

// Memory bounds of one connection's parser state.

#include <cstddef>
#include <cstdint>

namespace hostlens::protocols::memcached {

// Commands waiting for their response; beyond it the oldest is dropped (counted).
inline constexpr size_t kMaxPending = 1024;

// Bytes of a line kept to read its fields: the verb, the key (at most 250 bytes, never
// reported) and the numbers after it. The rest of a long line (a get with many keys) is only
// counted: its tokens, and its last token (noreply).
inline constexpr size_t kMaxKeptLine = 512;
// Lines longer than this are not memcached (a resync). A multi-key get may be long.
inline constexpr size_t kMaxLine = 1 << 20;
inline constexpr size_t kMaxLastToken = 16;
inline constexpr size_t kMaxErrorTypeBytes = 16;
// A meta command's opaque token (O flag): at most 32 bytes in the protocol.
inline constexpr size_t kMaxOpaqueBytes = 32;
// Largest data block accepted (memcached's item size limit is at most 1 GiB).
inline constexpr uint64_t kMaxDataBytes = uint64_t{1} << 30;

}  // namespace hostlens::protocols::memcached
