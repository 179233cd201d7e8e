#include "agent/protocols/memcached/stream.h"

namespace hostlens::protocols::memcached {

void Stream::OnSegment(Direction direction, const Segment& segment) {
  messages_.clear();
  bool egress = direction == Direction::kEgress;
  Framer& framer = egress ? commands_ : responses_;
  bool was_synced = framer.synced();
  framer.OnSegment(segment, &messages_);
  // Commands hidden by a gap would shift every later pairing: drop what waits once found again.
  if (egress && !was_synced && (framer.synced() || !messages_.empty())) matcher_.OnFramingLost();
  for (const Message& m : messages_) {
    if (egress) {
      matcher_.OnCommand(m);
    } else {
      matcher_.OnResponse(m);
    }
  }
  if (!egress && !framer.synced()) matcher_.OnFramingLost();
}

StreamStats Stream::stats() const {
  StreamStats stats;
  stats.resyncs = commands_.resyncs() + responses_.resyncs();
  matcher_.AddStats(&stats);
  return stats;
}

}  // namespace hostlens::protocols::memcached
