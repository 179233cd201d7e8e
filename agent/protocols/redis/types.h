#pragma once

// What the Redis parser takes in (segments of the client side of a connection: egress =
// commands, ingress = replies and pushes) and what it hands out (commands).

#include <cstdint>
#include <string>
#include <vector>

#include "agent/protocols/segment.h"

namespace hostlens::protocols::redis {

using protocols::Direction;
using protocols::Role;
using protocols::Segment;

// The first element of a top-level array/push, when it is one of the pub/sub words.
enum class PubSubKind : uint8_t {
  kNone,
  kMessage,      // message, pmessage, smessage: pushed, never a reply
  kSubscribe,    // subscribe, psubscribe, ssubscribe: confirmation
  kUnsubscribe,  // unsubscribe, punsubscribe, sunsubscribe: confirmation
};

// CLIENT REPLY's mode, for a command that is CLIENT REPLY ON|OFF|SKIP (three arguments).
enum class ClientReply : uint8_t { kNone, kOn, kOff, kSkip };

// One top-level element of a reply (EXEC's per-command results, pub/sub counts).
struct ReplyItem {
  char type = 0;
  bool null = false;
  std::string error_type;      // errors: first word
  int64_t integer = 0;         // ':' integers
  uint64_t elements = 0;       // aggregates: element count (maps: pairs)
  uint64_t null_elements = 0;  // aggregates: elements that are null
};

// One framed top-level RESP value (or one inline command). A command with no arguments (a
// multibulk count of 0 or less, an empty inline line) has elements 0: the server runs nothing
// and sends no reply. Never holds keys or values: only the
// command name, HELLO's protocol version, error types, counts and integers.
struct Message {
  char type = 0;  // RESP type byte; 'i' for an inline command
  bool null = false;
  std::string error_type;  // '-' and '!' : first word
  int64_t integer = 0;
  bool queued = false;    // the simple string "QUEUED"
  uint64_t elements = 0;  // aggregates: element count (maps: pairs); commands: argument count
  uint64_t null_elements = 0;
  PubSubKind pubsub = PubSubKind::kNone;
  std::string pubsub_word;  // the pub/sub word itself, lowercase ("psubscribe"), when pubsub is set
  std::vector<ReplyItem> items;  // replies: up to kMaxReplyItems top-level elements
  std::string name;       // commands: first argument, uppercase ("_OTHER" if not a command name)
  int hello_version = 0;  // commands: HELLO's protover argument, 0 if none
  ClientReply client_reply = ClientReply::kNone;  // commands: CLIENT REPLY's mode
  uint64_t first_byte_ns = 0;
  uint64_t last_byte_ns = 0;
};

// One command as the client saw it.
//
// Inside MULTI ... EXEC each queued command is reported once, with the result EXEC's array gives
// it (its error, its hits) and EXEC's end as end_ns; its "+QUEUED" is not its result. A command
// refused at queueing time is reported with that error. MULTI and EXEC are reported too (EXEC's
// error_type is EXECABORT when the server refused the transaction). Commands of a DISCARDed or
// aborted (WATCH, nil EXEC) transaction are not reported (StreamStats::discarded).
// SUBSCRIBE-family commands end at their last confirmation; pushed messages are not replies.
// Commands the server sends no reply for (CLIENT REPLY OFF and SKIP, the commands they silence)
// are not reported: they are counted in StreamStats::unanswered.
struct Command {
  std::string name;        // uppercase; no keys, no values ever
  std::string error_type;  // first word of the error reply; empty on success
  uint64_t start_ns = 0;   // ts of the segment holding the command's first byte
  uint64_t end_ns = 0;     // ts of the segment holding the reply's last byte
  // GET/GETEX/GETDEL/HGET: 1; MGET: keys; HMGET: fields. 0 when the reply was an error.
  uint32_t keys_looked_up = 0;
  uint32_t hits = 0;            // of those, the ones whose reply element is not nil
  bool in_transaction = false;  // queued in MULTI, result taken from EXEC's array
};

// Per-connection losses, each a reason the agent exports as lost data.
struct StreamStats {
  uint64_t resyncs = 0;              // framing lost (a gap hid a header, or bytes are not RESP)
  uint64_t evicted_requests = 0;     // more than kMaxPending / kMaxQueued waiting
  uint64_t unmatched_responses = 0;  // replies with no command waiting
  uint64_t lost_responses = 0;       // commands dropped when reply framing was lost
  uint64_t pushes = 0;               // pushed messages (pub/sub, RESP3 push): not replies
  uint64_t discarded = 0;            // queued commands of a discarded / aborted transaction
  // Commands the server answers with nothing by the client's own request (CLIENT REPLY OFF and
  // SKIP, and the commands they silence): known, not reported, not a loss.
  uint64_t unanswered = 0;
};

}  // namespace hostlens::protocols::redis
