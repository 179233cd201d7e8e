#pragma once

// What the HTTP/1.x parser takes in (segments of one direction of a connection, as the kernel
// captured them) and what it hands out (request/response pairs).

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/protocols/segment.h"

namespace hostlens::protocols::http1 {

using protocols::Direction;
using protocols::Role;
using protocols::Segment;

struct Request {
  std::string method;  // as sent (HTTP methods are uppercase); unknown methods are kept too
  // Raw request-target including the query; a prefix when the capture cut the request line,
  // and at most kMaxTargetBytes (limits.h).
  std::string target;
  int minor_version = 1;
  bool websocket_upgrade = false;  // "Upgrade: websocket"
  bool expect_continue = false;    // "Expect: 100-continue"
  std::string host;                // Host as "host" or "host:port", lowercased; "" if none/invalid
  bool headers_truncated = false;  // part of the header block was not captured
  uint64_t first_byte_ns = 0;      // ts of the segment holding the request's first byte
  uint64_t last_byte_ns = 0;       // ts of the segment holding its last byte, when seen by then
};

// The final response: interim 1xx responses (100 Continue, 103 Early Hints) are not reported,
// 101 Switching Protocols is.
struct Response {
  int status = 0;
  bool headers_truncated = false;
  uint64_t first_byte_ns = 0;  // ts of the segment holding the final response's first byte
  uint64_t last_byte_ns = 0;   // ts of the segment holding its last byte
};

struct Exchange {
  Request request;
  Response response;
};

// Per-connection losses, each a reason the agent exports as lost data.
struct StreamStats {
  // Sync lost (bytes that are not HTTP, or an uncaptured gap hiding a message start); parsing
  // resumes at the next plausible start line.
  uint64_t resyncs = 0;
  // Requests dropped because more than kMaxOutstandingRequests were waiting for a response.
  uint64_t evicted_requests = 0;
  // Final responses for which no request was seen (agent attached mid-connection, request lost).
  uint64_t unmatched_responses = 0;
  // Requests whose response was lost to a resync.
  uint64_t lost_responses = 0;
  // Message ends inferred rather than read: a body whose framing was not captured, ended by a
  // segment that starts a new message or by the close of the connection.
  uint64_t inferred_ends = 0;
};

}  // namespace hostlens::protocols::http1
