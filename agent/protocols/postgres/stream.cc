#include "agent/protocols/postgres/stream.h"

#include "agent/protocols/postgres/parse.h"

namespace hostlens::protocols::postgres {

void Stream::OnSegment(Direction direction, const Segment& segment) {
  if (encrypted_) return;
  messages_.clear();
  if (direction == Direction::kEgress) {
    frontend_.OnSegment(segment, &messages_);
    for (const Message& m : messages_) {
      if (m.type == 0) {
        if (m.code == kSslRequestCode || m.code == kGssEncRequestCode) backend_.ExpectSingleByte();
        continue;  // startup packets are not queries
      }
      matcher_.OnFrontend(m);
    }
  } else {
    backend_.OnSegment(segment, &messages_);
    for (const Message& m : messages_) {
      if (m.type == kSingleByteAnswer) {
        if (m.code == 'S' || m.code == 'G') {
          encrypted_ = true;
          frontend_.Stop();
          backend_.Stop();
          break;
        }
        continue;
      }
      matcher_.OnBackend(m);
    }
  }
}

StreamStats Stream::stats() const {
  StreamStats stats;
  stats.resyncs = frontend_.resyncs() + backend_.resyncs();
  stats.tail_recoveries = backend_.tail_recoveries();
  stats.encrypted = encrypted_;
  matcher_.AddStats(&stats);
  return stats;
}

}  // namespace hostlens::protocols::postgres
