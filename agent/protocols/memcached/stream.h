#pragma once

// One client-side connection to memcached, both directions: segments in syscall order →
// completed commands. Egress carries commands, ingress responses. Framing of each direction is in
// framer.h, pairing in match.h.

#include <cstdint>
#include <vector>

#include "agent/protocols/memcached/framer.h"
#include "agent/protocols/memcached/match.h"
#include "agent/protocols/memcached/types.h"

namespace hostlens::protocols::memcached {

class Stream {
 public:
  void OnSegment(Direction direction, const Segment& segment);
  // Completed commands since the last call (at most kMaxPending kept between calls).
  std::vector<Command> TakeCommands() { return matcher_.TakeCommands(); }
  StreamStats stats() const;
  size_t pending() const { return matcher_.pending(); }

 private:
  Framer commands_{true};
  Framer responses_{false};
  Matcher matcher_;
  std::vector<Message> messages_;
};

}  // namespace hostlens::protocols::memcached
