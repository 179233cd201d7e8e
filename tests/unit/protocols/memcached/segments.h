#pragma once

// Builds segments the way the kernel captures them, each captured part in a heap buffer of
// exactly its size so that a sanitizer build catches any read past it.

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/memcached/stream.h"
#include "agent/protocols/memcached/types.h"

namespace hostlens::protocols::memcached::test_util {

inline constexpr size_t kTailBytes = 16;

// A string literal's bytes, embedded NULs included, without the terminating NUL.
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

class ExactBuffer {
 public:
  ExactBuffer() = default;
  explicit ExactBuffer(std::string_view bytes)
      : data_(new char[bytes.empty() ? 1 : bytes.size()]), size_(bytes.size()) {
    std::memcpy(data_.get(), bytes.data(), bytes.size());
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
};

// One syscall's worth of bytes as the kernel reports it.
struct CapturedSegment {
  ExactBuffer head;
  ExactBuffer tail;
  uint64_t length = 0;
  uint64_t ts_ns = 0;

  Segment view() const { return Segment{head.view(), tail.view(), length, ts_ns}; }
};

// The kernel's rule: the first `head_limit` bytes; the last 16 too when the syscall is longer
// and they do not overlap the head (then only the head is sent).
inline CapturedSegment Capture(std::string_view bytes, size_t head_limit, bool with_tail,
                               uint64_t ts_ns) {
  CapturedSegment segment;
  size_t head_size = std::min(head_limit, bytes.size());
  segment.head = ExactBuffer(bytes.substr(0, head_size));
  if (with_tail && bytes.size() >= head_size + kTailBytes && bytes.size() > head_size) {
    segment.tail = ExactBuffer(bytes.substr(bytes.size() - kTailBytes));
  }
  segment.length = bytes.size();
  segment.ts_ns = ts_ns;
  return segment;
}

inline CapturedSegment Whole(std::string_view bytes, uint64_t ts_ns) {
  return Capture(bytes, bytes.size(), false, ts_ns);
}

// Drives a client-side Stream: egress carries commands, ingress replies.
class Conversation {
 public:
  void Client(const CapturedSegment& segment) { Send(Direction::kEgress, segment); }
  void Server(const CapturedSegment& segment) { Send(Direction::kIngress, segment); }
  void Client(std::string_view bytes) { Client(Whole(bytes, NextTs())); }
  void Server(std::string_view bytes) { Server(Whole(bytes, NextTs())); }

  uint64_t NextTs() { return ts_ += 1000; }
  uint64_t last_ts() const { return ts_; }

  const std::vector<Command>& commands() {
    std::vector<Command> taken = stream_.TakeCommands();
    commands_.insert(commands_.end(), taken.begin(), taken.end());
    return commands_;
  }
  Stream& stream() { return stream_; }

 private:
  void Send(Direction direction, const CapturedSegment& segment) {
    stream_.OnSegment(direction, segment.view());
  }

  Stream stream_;
  uint64_t ts_ = 0;
  std::vector<Command> commands_;
};

}  // namespace hostlens::protocols::memcached::test_util
