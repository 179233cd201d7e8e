#include "agent/protocols/redis/stream.h"

namespace hostlens::protocols::redis {

void Stream::OnSegment(Direction direction, const Segment& segment) {
  messages_.clear();
  if (direction == Direction::kEgress) {
    bool was_synced = commands_.synced();
    commands_.OnSegment(segment, &messages_);
    // Found again: the replies of the commands the gap hid will arrive unmatched; drop the
    // commands still waiting, which they would otherwise be paired with.
    if (!was_synced && (commands_.synced() || !messages_.empty())) matcher_.OnCommandsResynced();
    for (const Message& m : messages_) matcher_.OnCommand(m);
  } else {
    replies_.OnSegment(segment, &messages_);
    for (const Message& m : messages_) matcher_.OnReply(m);
    if (!replies_.synced()) matcher_.OnRepliesLost();
  }
}

StreamStats Stream::stats() const {
  StreamStats stats;
  stats.resyncs = commands_.resyncs() + replies_.resyncs();
  matcher_.AddStats(&stats);
  return stats;
}

}  // namespace hostlens::protocols::redis
