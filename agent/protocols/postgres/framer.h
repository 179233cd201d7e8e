#pragma once

// One direction of a connection: segments (captured head, uncaptured gap, captured tail) →
// messages. Every message after startup is a type byte and an int32 length counting itself;
// startup-phase packets have no type byte (int32 length, int32 code). Framing is
// length_prefixed::Framer's; this is the header format. Sync is found again at the start of a
// later segment whose captured messages chain plausibly, or, for the backend, at a
// ReadyForQuery ending a segment's captured tail (the usual end of a large result: the last
// read ends with ...CommandComplete, ReadyForQuery).

#include <cstdint>
#include <string_view>

#include "agent/protocols/length_prefixed/framer.h"
#include "agent/protocols/postgres/parse.h"
#include "agent/protocols/postgres/types.h"

namespace hostlens::protocols::postgres {

// Type of the Message reported for the one-byte answer to SSLRequest / GSSENCRequest; its
// `code` is the byte ('N', 'S' or 'G').
inline constexpr char kSingleByteAnswer = '\x01';

// The length_prefixed::Framer format of one direction.
class MessageFormat {
 public:
  using Frame = Message;

  explicit MessageFormat(bool frontend) : frontend_(frontend), startup_(frontend) {}
  void ExpectSingleByte() { ++single_bytes_; }

  size_t BeginHeader(char first_byte);
  ParseState ParseHeader(std::string_view header, Message* message);
  size_t KeepLimit(const Message& message) const;
  bool OnFrame(const Message& message);
  bool ResyncAt(std::string_view head, uint64_t length);
  bool FrameAtEnd(std::string_view end, Message* message) const;
  void OnLoseSync() { single_bytes_ = 0; }

 private:
  bool frontend_;
  bool startup_;  // untyped startup-phase packets expected
  int single_bytes_ = 0;
  bool single_byte_ = false;  // the header being read is a one-byte answer
};

// frontend: client → server messages (starting with untyped startup packets).
class Framer : public length_prefixed::Framer<MessageFormat> {
 public:
  explicit Framer(bool frontend)
      : length_prefixed::Framer<MessageFormat>(MessageFormat(frontend)) {}
  // Backend: the next byte answers an SSLRequest / GSSENCRequest.
  void ExpectSingleByte() { format().ExpectSingleByte(); }
};

}  // namespace hostlens::protocols::postgres
