#pragma once

// What the Memcached parser takes in (segments of the client side of a connection: egress =
// commands, ingress = responses) and what it hands out (commands).

#include <cstdint>
#include <string>

#include "agent/protocols/segment.h"

namespace hostlens::protocols::memcached {

using protocols::Direction;
using protocols::Role;
using protocols::Segment;

// One framed line (with its data block, if it has one). Never holds keys or values.
struct Message {
  std::string verb;         // first word: lowercase command ("get", "mg") or response ("VALUE")
  uint64_t tokens = 0;      // words on the line, the verb included
  bool noreply = false;     // commands: "noreply" where the command takes it (never answered)
  bool quiet = false;       // meta commands: flag q (only some answers are sent)
  std::string opaque;       // meta commands and their answers: the O flag's token (not a key)
  // Meta commands: a hash of the key; answers: of the key the k flag returned (has_key). Only to
  // tell which command an answer is for; never a label, never logged.
  uint64_t key_hash = 0;
  bool has_key = false;
  std::string error_type;   // responses: ERROR, CLIENT_ERROR or SERVER_ERROR
  uint64_t data_bytes = 0;  // size of the data block after the line (without its CRLF)
  uint64_t first_byte_ns = 0;
  uint64_t last_byte_ns = 0;
};

// One command as the client saw it. get/gets/gat/gats: one lookup per key, a hit per VALUE;
// mg: one lookup, a hit unless EN. Commands sent with noreply are reported when sent (end_ns =
// start_ns): no response is expected. A quiet meta command (flag q) whose answer the server
// suppressed (mg: a miss; ms, md, ma: a success) is reported, noreply, once a later answer shows
// it got none (end_ns: that answer's end); a quiet mg reported so is a miss.
struct Command {
  std::string name;        // lowercase verb as in the protocol ("get", "ms"); "_OTHER" if unknown
  std::string error_type;  // ERROR / CLIENT_ERROR / SERVER_ERROR; empty otherwise
  std::string result;      // the response word: STORED, NOT_STORED, EXISTS, NOT_FOUND, HD, EN...
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  uint32_t keys_looked_up = 0;
  uint32_t hits = 0;
  bool noreply = false;  // the server sent nothing for it
};

struct StreamStats {
  uint64_t resyncs = 0;              // framing lost (a gap hid a line, or bytes are not memcached)
  uint64_t evicted_requests = 0;     // more than kMaxPending waiting
  uint64_t unmatched_responses = 0;  // responses with no command waiting
  uint64_t lost_responses = 0;       // commands dropped when framing was lost
  // Commands the server answers with nothing by the protocol's rules (noreply, the suppressed
  // answers of quiet meta commands): reported with noreply set, not a loss.
  uint64_t unanswered = 0;
};

}  // namespace hostlens::protocols::memcached
