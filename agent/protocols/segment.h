#pragma once

// What every protocol parser takes in: segments of one direction of a
// connection, as the kernel captured them.

#include <cstdint>
#include <string_view>

namespace hostlens::protocols {

// One read or write syscall on the socket. The kernel copies only the first bytes (`head`) and
// the last up to HL_TAIL_LEN (256) bytes (`tail`) of the `length` bytes moved; the bytes in between form an
// uncaptured gap of length - head.size() - tail.size(). `tail` is empty when the whole syscall
// fits in `head`, and also when head and tail would overlap.
struct Segment {
  std::string_view head;
  std::string_view tail;
  uint64_t length = 0;
  uint64_t ts_ns = 0;
};

// kServer: requests are read (ingress) and responses written (egress); kClient: the reverse.
enum class Role { kServer, kClient };

// kIngress: read by the traced process; kEgress: written by it.
enum class Direction { kIngress, kEgress };

}  // namespace hostlens::protocols
