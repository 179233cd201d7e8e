#include "agent/protocols/mysql/stream.h"

namespace hostlens::protocols::mysql {

void Stream::OnSegment(Direction direction, const Segment& segment) {
  if (encrypted_) return;
  packets_.clear();
  if (direction == Direction::kEgress) {
    client_.OnSegment(segment, &packets_);
    for (const Packet& p : packets_) {
      bool command = p.seq == 0 && !p.continuation && !p.payload.empty() &&
                     !matcher_.sending_file();
      if (command && !server_.synced()) {
        // Its reply will start the next server segment; whatever was awaited is lost.
        matcher_.OnServerLost(last_server_ns_);
        server_.ExpectResponseStart();
      }
      matcher_.OnClient(p, last_server_ns_);
      if (matcher_.ssl_requested()) {
        encrypted_ = true;
        client_.Stop();
        server_.Stop();
        break;
      }
    }
  } else {
    last_server_ns_ = segment.ts_ns;
    server_.OnSegment(segment, &packets_);
    for (const Packet& p : packets_) matcher_.OnServer(p);
  }
}

bool Stream::StartTls() {
  if (!encrypted_) return false;
  encrypted_ = false;
  matcher_.StartTls();
  client_.Resume();
  server_.Resume();
  return true;
}

StreamStats Stream::stats() const {
  StreamStats stats;
  stats.resyncs = client_.resyncs() + server_.resyncs();
  stats.tail_recoveries = server_.tail_recoveries();
  stats.encrypted = encrypted_;
  matcher_.AddStats(&stats);
  return stats;
}

}  // namespace hostlens::protocols::mysql
