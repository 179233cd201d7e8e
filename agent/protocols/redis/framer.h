#pragma once

// One direction of a connection: segments (captured head, uncaptured gap, captured tail) →
// top-level RESP values (or inline commands), summarised into Messages as they are framed. Bulk
// strings are framed by their declared length, so a value far larger than the capture is skipped
// across the gap and framing continues after it. When a gap hides a header line (or bytes are not
// RESP) sync is lost; it is found again at the start of a later segment whose head plausibly
// starts a value (a command the detector recognises, or a valid reply header line).
//
// Nothing but the command name, HELLO's version, error types, counts and integers is kept; the
// few bytes of a string needed to read those are dropped once the string ends.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/redis/types.h"

namespace hostlens::protocols::redis {

class Framer {
 public:
  // commands: client → server (command arrays and inline commands); else replies and pushes.
  explicit Framer(bool commands) : commands_(commands) {}

  // Appends the messages completed by the segment to *out.
  void OnSegment(const Segment& segment, std::vector<Message>* out);

  bool synced() const { return state_ != State::kLost; }
  uint64_t resyncs() const { return resyncs_; }
  size_t depth() const { return frames_.size(); }

 private:
  enum class State { kType, kLine, kBulk, kCrlf, kInline, kLost };
  struct Frame {
    char type = 0;
    uint64_t elements = 0;
    uint64_t remaining = 0;  // values left (maps and attributes: 2 per element)
    uint64_t index = 0;
    bool attribute = false;
  };
  // A completed value, as far as a parent needs it.
  struct Value {
    char type = 0;
    bool null = false;
    std::string error_type;
    int64_t integer = 0;
    uint64_t elements = 0;
    uint64_t null_elements = 0;
    std::string_view text;  // strings: kept prefix
    bool cut = false;       // strings: text is shorter than the string
  };

  void Feed(std::string_view data);
  void Skip(uint64_t n);
  void OnLine();
  void FeedInline(char c);
  void FinishInline();
  void StartAggregate(char type, uint64_t elements);
  void CompleteValue(const Value& value);
  size_t LogicalDepth() const;
  size_t TextLimit(char type) const;
  void Emit();
  void LoseSync();
  void Reset();

  bool commands_;
  State state_ = State::kType;
  uint64_t resyncs_ = 0;
  std::vector<Message>* out_ = nullptr;  // valid during OnSegment
  uint64_t ts_ = 0;

  std::vector<Frame> frames_;
  size_t attributes_ = 0;  // attribute frames on the stack
  Message message_;
  bool message_started_ = false;
  ReplyItem item_;  // the top-level element being built, when it is an aggregate

  char type_ = 0;     // type of the value whose line or body is being read
  std::string line_;  // kept prefix of the line (without CRLF)
  uint64_t line_length_ = 0;
  char last_char_ = 0;
  uint64_t remaining_ = 0;  // bulk body bytes left
  int crlf_seen_ = 0;
  std::string text_;  // kept prefix of the bulk body
  size_t keep_ = 0;
  uint64_t bulk_length_ = 0;
  size_t keep_limit_ = 0;  // keep_ before a gap cut the text

  uint64_t inline_tokens_ = 0;
  bool in_token_ = false;
  std::string inline_name_;
  std::string inline_arg_;
};

}  // namespace hostlens::protocols::redis
