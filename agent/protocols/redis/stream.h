#pragma once

// One client-side connection to Redis, both directions: segments in syscall order → completed
// commands. Egress carries commands, ingress replies and pushes. Framing of each direction is in
// framer.h, pairing in match.h.

#include <cstdint>
#include <vector>

#include "agent/protocols/redis/framer.h"
#include "agent/protocols/redis/match.h"
#include "agent/protocols/redis/types.h"

namespace hostlens::protocols::redis {

class Stream {
 public:
  void OnSegment(Direction direction, const Segment& segment);
  // Completed commands, in completion order, since the last call (at most kMaxPending kept
  // between calls; the oldest are dropped, counted as evicted_requests).
  std::vector<Command> TakeCommands() { return matcher_.TakeCommands(); }
  StreamStats stats() const;

  size_t pending() const { return matcher_.pending(); }
  int protocol() const { return matcher_.protocol(); }  // 2, or 3 after HELLO 3

 private:
  Framer commands_{true};
  Framer replies_{false};
  Matcher matcher_;
  std::vector<Message> messages_;
};

}  // namespace hostlens::protocols::redis
