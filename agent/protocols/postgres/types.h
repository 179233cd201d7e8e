#pragma once

// What the PostgreSQL parser takes in (segments of the client side of a database connection:
// egress = frontend messages, ingress = backend messages) and what it hands out (queries).

#include <cstdint>
#include <string>

#include "agent/protocols/segment.h"

namespace hostlens::protocols::postgres {

using protocols::Direction;
using protocols::Role;
using protocols::Segment;

// One message as framed: its type byte (0 for the untyped startup-phase packets), its full
// payload length (without type and length fields) and the captured prefix of its payload.
struct Message {
  char type = 0;
  uint32_t code = 0;  // startup-phase packets: protocol version or request code
  uint64_t payload_length = 0;
  std::string payload;     // at most the per-type limit (limits.h)
  bool truncated = false;  // payload is shorter than payload_length (cut by a limit or a gap)
  uint64_t first_byte_ns = 0;
  uint64_t last_byte_ns = 0;
  bool inferred = false;  // recovered from a segment's captured tail after a loss of sync
};

// One statement execution as the client saw it.
//
// Simple protocol: ONE Query per 'Q' message with its whole text (several statements in one 'Q'
// are one Query: the server runs them as one implicit transaction and stops at the first error),
// ended by ReadyForQuery. Extended protocol: one Query per Execute, with the SQL of the statement
// its portal was bound to, ended by CommandComplete / EmptyQueryResponse / PortalSuspended /
// ErrorResponse. Executes the server skipped after an error (until Sync) are not reported.
struct Query {
  std::string sql;  // statement text as captured, at most kMaxSqlBytes
  bool sql_truncated = false;
  std::string error_code;  // SQLSTATE (ErrorResponse field 'C'); empty on success
  uint64_t start_ns = 0;   // ts of the segment holding the request's first byte
  uint64_t end_ns = 0;     // ts of the segment holding the response's last byte
  bool prepared = false;   // extended protocol with a named statement
  bool extended = false;   // extended protocol (named or unnamed statement)
  // The end was inferred (a ReadyForQuery after the responses were lost to a gap).
  bool inferred_end = false;
};

// Per-connection losses, each a reason the agent exports as lost data.
struct StreamStats {
  uint64_t resyncs = 0;             // framing lost (a gap hid a message header, or bad bytes)
  uint64_t tail_recoveries = 0;     // framing found again at a ReadyForQuery in a captured tail
  uint64_t evicted_statements = 0;  // statement/portal map full: the oldest entry dropped
  uint64_t unknown_statements = 0;  // Bind/Execute naming a statement or portal never seen
  uint64_t evicted_requests = 0;    // more than kMaxPending requests waiting
  uint64_t unmatched_responses = 0;  // completions/errors with no request waiting
  uint64_t lost_responses = 0;      // Executes ended only by ReadyForQuery (their reply lost)
  uint64_t skipped_after_error = 0;  // Executes the server skipped after an error (not reported)
  bool encrypted = false;           // SSL/GSS accepted: nothing after it is parsed
};

}  // namespace hostlens::protocols::postgres
