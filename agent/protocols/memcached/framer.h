#pragma once

// One direction of a connection: segments (captured head, uncaptured gap, captured tail) → lines
// and their data blocks. Data blocks (set/cas/ms bodies, VALUE/VA bodies) are framed by the byte
// count on their line, so a value far larger than the capture is skipped across the gap. When a
// gap hides a line, or bytes are not memcached, sync is lost; it is found again at the start of a
// later segment that begins with a command word (commands) or a response word (responses).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/memcached/types.h"

namespace hostlens::protocols::memcached {

class Framer {
 public:
  explicit Framer(bool commands) : commands_(commands) {}

  void OnSegment(const Segment& segment, std::vector<Message>* out);
  bool synced() const { return state_ != State::kLost; }
  uint64_t resyncs() const { return resyncs_; }

 private:
  enum class State { kLine, kData, kLost };

  void Feed(std::string_view data);
  void Skip(uint64_t n);
  void OnLine();
  void Emit();
  void LoseSync();
  bool PlausibleStart(std::string_view head) const;

  bool commands_;
  State state_ = State::kLine;
  uint64_t resyncs_ = 0;
  std::vector<Message>* out_ = nullptr;
  uint64_t ts_ = 0;

  std::string line_;  // kept prefix of the line
  uint64_t line_length_ = 0;
  uint64_t tokens_ = 0;
  bool in_token_ = false;
  std::string last_token_;
  bool last_token_cut_ = false;
  char last_char_ = 0;
  uint64_t line_ts_ = 0;

  Message message_;
  uint64_t remaining_ = 0;  // data block bytes left, its CRLF included
};

}  // namespace hostlens::protocols::memcached
