#pragma once

// One connection, both directions: segments in syscall order → completed request/response
// pairs. Framing of each direction is in framer.h, pairing in match.h.

#include <cstdint>
#include <string>
#include <vector>

#include "agent/protocols/http1/framer.h"
#include "agent/protocols/http1/match.h"
#include "agent/protocols/http1/types.h"

namespace hostlens::protocols::http1 {

class Stream : private FramerListener {
 public:
  explicit Stream(Role role) : role_(role) {}

  void OnSegment(Direction direction, const Segment& segment);
  // Ends a close-delimited response (HTTP/1.0 without a length); nothing is parsed afterwards.
  void OnClose(uint64_t ts_ns);
  // Completed request/response pairs, in request order, since the last call. A pair completes
  // with its final response (its request's body may still be arriving).
  std::vector<Exchange> TakeExchanges() { return matcher_.TakeExchanges(); }

  // A whole request read elsewhere (the kernel's fast path kept it, then its response did not
  // take the fast path): queued as if its bytes had been parsed here, at a message boundary.
  void OnCompleteRequest(Request request);
  // Both directions between messages and no request waiting: the next bytes start a message.
  bool idle() const {
    return !closed_ && !upgraded_ && requests_.idle() && responses_.idle() &&
           matcher_.idle();
  }

  // After "101 Switching Protocols" (or a 2xx to CONNECT) nothing more is parsed as HTTP.
  bool upgraded() const { return upgraded_; }
  // Upgraded, and the request asked for websocket.
  bool websocket() const { return websocket_; }
  // Times sync was lost (parsing resumes at the next plausible start line) or a malformed
  // message was dropped: exported as a loss.
  uint64_t resyncs() const { return requests_.resyncs() + responses_.resyncs(); }
  StreamStats stats() const;
  // Requests waiting for their response.
  size_t outstanding_requests() const { return matcher_.outstanding(); }

 private:
  struct ResponseInProgress {
    int status = 0;
    bool truncated = false;
    uint64_t first_byte_ns = 0;
    bool request_known = false;
    bool tunnel = false;
    bool websocket = false;
  };

  HeadDecision OnRequestHead(const RequestHead& head, uint64_t first_byte_ns) override;
  HeadDecision OnResponseHead(const ResponseHead& head, uint64_t first_byte_ns) override;
  HeadDecision OnMalformedRequestHead(const RequestHead& head) override;
  HeadDecision OnMalformedResponseHead(const ResponseHead& head) override;
  void OnMessageEnd(MessageKind kind, uint64_t last_byte_ns) override;
  void OnSyncLost(MessageKind kind, bool in_message) override;

  Role role_;
  Framer requests_{MessageKind::kRequest};
  Framer responses_{MessageKind::kResponse};
  Matcher matcher_;
  ResponseInProgress response_;
  bool upgraded_ = false;
  bool websocket_ = false;
  bool closed_ = false;
};

}  // namespace hostlens::protocols::http1
