#pragma once

// One direction of a connection: segments (captured head, uncaptured gap, captured tail) →
// messages. Every message after startup is a type byte and an int32 length, so boundaries are
// kept across gaps by counting. When a gap hides a message header (or bytes are not a header)
// sync is lost; it is found again at the start of a later segment whose captured messages chain
// plausibly, or, for the backend, at a ReadyForQuery ending a segment's captured tail (the usual
// end of a large result: the last read ends with ...CommandComplete, ReadyForQuery).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/postgres/types.h"

namespace hostlens::protocols::postgres {

// Type of the Message reported for the one-byte answer to SSLRequest / GSSENCRequest; its
// `code` is the byte ('N', 'S' or 'G').
inline constexpr char kSingleByteAnswer = '\x01';

class Framer {
 public:
  // frontend: client → server messages (starting with untyped startup packets).
  explicit Framer(bool frontend) : frontend_(frontend), startup_(frontend) {}

  // Appends the messages completed by the segment to *out.
  void OnSegment(const Segment& segment, std::vector<Message>* out);
  // Backend: the next byte answers an SSLRequest / GSSENCRequest.
  void ExpectSingleByte() { ++single_bytes_; }
  // Nothing after this is parsed (encrypted, or a CancelRequest connection).
  void Stop() { state_ = State::kStopped; }

  bool stopped() const { return state_ == State::kStopped; }
  bool synced() const { return state_ != State::kLost; }
  uint64_t resyncs() const { return resyncs_; }
  uint64_t tail_recoveries() const { return tail_recoveries_; }

 private:
  enum class State { kHeader, kBody, kLost, kStopped };

  void Feed(std::string_view data);
  void Skip(uint64_t n);
  void StartMessage();
  void Finish();
  void LoseSync();
  size_t KeepLimit(char type) const;

  bool frontend_;
  bool startup_;  // untyped startup-phase packets expected
  int single_bytes_ = 0;
  State state_ = State::kHeader;
  uint64_t resyncs_ = 0;
  uint64_t tail_recoveries_ = 0;

  std::vector<Message>* out_ = nullptr;  // valid during OnSegment
  uint64_t ts_ = 0;                      // of the segment being read

  std::string header_;  // bytes of the header being read (5, or 8 for startup packets)
  uint64_t header_ts_ = 0;
  Message message_;
  uint64_t remaining_ = 0;
  size_t keep_ = 0;
};

}  // namespace hostlens::protocols::postgres
