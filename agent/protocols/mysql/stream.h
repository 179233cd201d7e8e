#pragma once

// One client-side connection to MySQL / MariaDB, both directions: segments in syscall order →
// completed queries. Egress carries client packets, ingress server packets. Framing of each
// direction is in framer.h, pairing in match.h.

#include <cstdint>
#include <vector>

#include "agent/protocols/mysql/framer.h"
#include "agent/protocols/mysql/match.h"
#include "agent/protocols/mysql/types.h"

namespace hostlens::protocols::mysql {

class Stream {
 public:
  Stream() = default;

  void OnSegment(Direction direction, const Segment& segment);
  // The connection closed: every command still waiting for its reply is lost.
  void OnClose() { matcher_.OnClose(); }
  // Completed queries, in completion order, since the last call. Done queries are bounded by
  // kMaxPending between calls (the oldest are dropped, counted as evicted_requests).
  std::vector<Query> TakeQueries() { return matcher_.TakeQueries(); }
  StreamStats stats() const;

  // Commands waiting for their response, and remembered prepared statements.
  size_t pending() const { return matcher_.pending(); }
  size_t statements() const { return matcher_.statements(); }
  // The client asked for TLS: nothing after it is parsed, until StartTls.
  bool encrypted() const { return encrypted_; }
  // The segments from here on are the decrypted bytes of that TLS session (the TLS probes'):
  // framing starts over at their first byte, the handshake goes on with the handshake response
  // (sequence id 2). False, and nothing changes, unless TLS was asked for.
  bool StartTls();
  Matcher::DeprecateEof deprecate_eof() const { return matcher_.deprecate_eof(); }

 private:
  Framer client_{true};
  Framer server_{false};
  Matcher matcher_;
  std::vector<Packet> packets_;
  uint64_t last_server_ns_ = 0;
  bool encrypted_ = false;
};

}  // namespace hostlens::protocols::mysql
