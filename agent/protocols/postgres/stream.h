#pragma once

// One client-side connection to PostgreSQL, both directions: segments in syscall order →
// completed queries. Egress carries frontend messages, ingress backend messages. Framing of each
// direction is in framer.h, pairing in match.h.

#include <cstdint>
#include <vector>

#include "agent/protocols/postgres/framer.h"
#include "agent/protocols/postgres/match.h"
#include "agent/protocols/postgres/types.h"

namespace hostlens::protocols::postgres {

class Stream {
 public:
  Stream() = default;

  void OnSegment(Direction direction, const Segment& segment);
  // The connection closed: a query that had an error (a FATAL, after which the server closes
  // without ReadyForQuery) ends at it; any other request still waiting is lost.
  void OnClose() { matcher_.OnClose(); }
  // Completed queries, in completion order, since the last call. Done queries are bounded by
  // kMaxPending between calls (the oldest are dropped, counted as evicted_requests).
  std::vector<Query> TakeQueries() { return matcher_.TakeQueries(); }
  StreamStats stats() const;

  // Requests waiting for their response, and remembered statements + portals.
  size_t pending() const { return matcher_.pending(); }
  size_t statements() const { return matcher_.statements(); }
  // SSL or GSS encryption was accepted: nothing after it is parsed.
  bool encrypted() const { return encrypted_; }

 private:
  Framer frontend_{true};
  Framer backend_{false};
  Matcher matcher_;
  std::vector<Message> messages_;
  bool encrypted_ = false;
};

}  // namespace hostlens::protocols::postgres
