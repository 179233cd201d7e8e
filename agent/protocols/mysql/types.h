#pragma once

// What the MySQL parser takes in (segments of the client side of a database connection:
// egress = client packets, ingress = server packets) and what it hands out (queries).

#include <cstdint>
#include <string>

#include "agent/protocols/segment.h"

namespace hostlens::protocols::mysql {

using protocols::Direction;
using protocols::Role;
using protocols::Segment;

// One packet as framed: 3-byte little-endian payload length, 1-byte sequence id, payload. A
// payload of 0xffffff bytes is continued by the next packet (`continuation` on that one).
struct Packet {
  uint32_t payload_length = 0;
  uint8_t seq = 0;
  std::string payload;        // at most the per-kind limit (limits.h)
  bool truncated = false;     // payload is shorter than payload_length (a limit or a gap)
  bool continuation = false;  // follows a 0xffffff-byte packet: not a packet of its own
  uint64_t first_byte_ns = 0;
  uint64_t last_byte_ns = 0;
  // Server side: the final packet of a response, recovered from a segment's captured tail after
  // framing was lost (its payload is what the tail held).
  bool inferred = false;
};

// One statement execution as the client saw it: a COM_QUERY (with every statement of a
// multi-statement text: one Query, ended by the last result), a COM_STMT_EXECUTE (with the SQL
// its statement was prepared from), or a COM_STMT_PREPARE the server refused (prepared, with its
// error). Successful prepares, pings, COM_INIT_DB, COM_QUIT and the like are not queries.
struct Query {
  std::string sql;  // statement text as captured, at most kMaxSqlBytes
  bool sql_truncated = false;
  std::string error_code;  // the ERR packet's error code in decimal (e.g. "1146"); empty on success
  uint64_t start_ns = 0;   // ts of the segment holding the command's first byte
  uint64_t end_ns = 0;     // ts of the segment holding the response's last byte
  bool prepared = false;   // COM_STMT_EXECUTE (or a failed COM_STMT_PREPARE)
  // The end was inferred: from a captured tail, or from the next command after the response was
  // lost to a gap (then end_ns is the last server segment seen before that command).
  bool inferred_end = false;
};

// Per-connection losses, each a reason the agent exports as lost data.
struct StreamStats {
  uint64_t resyncs = 0;              // framing lost (a gap hid a packet header)
  uint64_t tail_recoveries = 0;      // a response's end found in a captured tail after a loss
  uint64_t evicted_statements = 0;   // statement map full: the oldest entry dropped
  uint64_t unknown_statements = 0;   // COM_STMT_EXECUTE of a statement id never seen prepared
  uint64_t evicted_requests = 0;     // more than kMaxPending commands waiting
  uint64_t unmatched_responses = 0;  // server packets with no command waiting
  uint64_t lost_responses = 0;       // responses lost to a gap, ended by the next command
  bool encrypted = false;            // TLS requested (SSLRequest), its plaintext not started yet
};

}  // namespace hostlens::protocols::mysql
