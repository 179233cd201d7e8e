#pragma once

// One direction of a connection: segments (captured head, uncaptured gap, captured tail) →
// top-level RESP values (or inline commands), summarised into Messages as they are framed. Bulk
// strings are framed by their declared length, so a value far larger than the capture is skipped
// across the gap and framing continues after it. When a gap hides a header line (or bytes are not
// RESP) sync is lost; it is found again at the start of a later segment whose head plausibly
// starts a value (a command the detector recognises, or a valid reply header line).
//
// Inline commands are split into arguments the way the server does (sdssplitargs): blanks
// between arguments, "double quotes" with \n \r \t \b \a \xHH and \<any> escapes, 'single
// quotes' with \' only, a closing quote followed by a blank or the line end. Unbalanced quotes
// are the server's protocol error: the line is still one command (its error reply follows). A
// NUL in an inline line is lost sync: the server never finds that line's end.
//
// Nothing but the command name, HELLO's version, CLIENT REPLY's mode, error types, counts and
// integers is kept; the few bytes of a string needed to read those are dropped once the string
// ends.

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
  void InlineChar(char c);
  void InlineAppend(char c);
  void EndInlineToken();
  void FinishInline();
  void OnArgument(uint64_t index, std::string_view text, bool cut);
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

  // Inline commands: where the splitter is in the line, and the kept prefix of the argument
  // being read (only the first few arguments are kept: the name, HELLO's and CLIENT's).
  enum class Quote : uint8_t {
    kBlank,         // between arguments
    kBare,          // in an unquoted argument
    kDouble,        // in "..."
    kDoubleEscape,  // after a backslash in "..."
    kDoubleHex,     // after \x in "..."
    kDoubleHex2,    // after \x and one hex digit
    kSingle,        // in '...'
    kSingleEscape,  // after a backslash in '...'
    kClosed,        // right after a closing quote: a blank or the line end must follow
    kBad,           // unbalanced quotes: the rest of the line is not split
  };
  uint64_t inline_tokens_ = 0;
  Quote quote_ = Quote::kBlank;
  bool pending_cr_ = false;  // a CR that ends the line if LF follows, else is part of it
  char hex_digit_ = 0;
  std::string inline_token_;
  std::string client_argument_;  // CLIENT's subcommand, uppercase, to read REPLY's mode
};

}  // namespace hostlens::protocols::redis
