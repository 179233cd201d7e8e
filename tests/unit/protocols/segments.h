#pragma once

// Builds segments the way the kernel captures them, each captured part in a heap buffer of
// exactly its size so that a sanitizer build catches any read past it, and drives a protocol's
// Stream with them. Shared by every protocol parser's tests.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/protocols/segment.h"

namespace hostlens::protocols::test_util {

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

inline std::string RoleName(Role role) { return role == Role::kServer ? "Server" : "Client"; }

// Drives a Stream by message direction (requests / responses) rather than by syscall direction,
// so a test runs unchanged for both roles. Default-constructed, it drives a client-side Stream:
// egress carries requests, ingress responses. `Take` is the Stream's member function that hands
// over what it has matched (TakeQueries, TakeCommands, ...).
template <typename StreamT, auto Take>
class Conversation {
 public:
  using Result = typename decltype((std::declval<StreamT&>().*Take)())::value_type;

  Conversation() = default;
  explicit Conversation(Role role) : role_(role), stream_(role) {}

  void Requests(const CapturedSegment& segment) { Send(true, segment); }
  void Responses(const CapturedSegment& segment) { Send(false, segment); }
  void Requests(std::string_view bytes) { Requests(Whole(bytes, NextTs())); }
  void Responses(std::string_view bytes) { Responses(Whole(bytes, NextTs())); }
  // Each byte its own syscall.
  void RequestsByteByByte(std::string_view bytes) {
    for (char c : bytes) Requests(std::string_view(&c, 1));
  }
  void ResponsesByteByByte(std::string_view bytes) {
    for (char c : bytes) Responses(std::string_view(&c, 1));
  }
  void Close() { stream_.OnClose(NextTs()); }

  uint64_t NextTs() { return ts_ += 1000; }
  uint64_t last_ts() const { return ts_; }

  // What the Stream matched since the last call.
  std::vector<Result> TakeNew() {
    std::vector<Result> taken = (stream_.*Take)();
    results_.insert(results_.end(), taken.begin(), taken.end());
    return taken;
  }
  // Everything the Stream matched so far.
  const std::vector<Result>& results() {
    TakeNew();
    return results_;
  }
  StreamT& stream() { return stream_; }

 private:
  void Send(bool requests, const CapturedSegment& segment) {
    bool ingress = (role_ == Role::kServer) == requests;
    stream_.OnSegment(ingress ? Direction::kIngress : Direction::kEgress, segment.view());
  }

  Role role_ = Role::kClient;
  StreamT stream_;
  uint64_t ts_ = 0;
  std::vector<Result> results_;
};

}  // namespace hostlens::protocols::test_util
