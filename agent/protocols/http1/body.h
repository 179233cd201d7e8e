#pragma once

// How a message body is delimited (RFC 9112 section 6), decided from its head and, for a
// response, from the method of the request it answers.

#include <cstdint>
#include <string_view>

#include "agent/protocols/http1/parse.h"

namespace hostlens::protocols::http1 {

enum class BodyKind {
  kNone,
  kLength,      // Content-Length bytes
  kChunked,     // chunked transfer coding
  kUntilClose,  // a response without a length: ends when the connection closes
  // The header block was cut before any framing field: the body ends where the next message of
  // that direction starts (a segment opening with a start line) or at close.
  kUntilNextMessage,
  kTunnel,  // the connection stops being HTTP after this head (101, 2xx to CONNECT)
};

struct BodyFraming {
  BodyKind kind = BodyKind::kNone;
  uint64_t length = 0;  // kLength only
};

BodyFraming RequestBodyFraming(const RequestHead& head);

// `request_method` is empty when the request is not known (then a GET is assumed).
BodyFraming ResponseBodyFraming(const ResponseHead& head, std::string_view request_method);

// 1xx other than 101: an interim response, followed by the final one for the same request.
inline bool IsInterimStatus(int status) { return status >= 100 && status < 200 && status != 101; }

}  // namespace hostlens::protocols::http1
