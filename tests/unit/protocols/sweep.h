#pragma once

// Feeds a recorded capture (fixture.h) to a client-side Stream the ways the fixture sweeps do:
// whole records, a prefix, one record split in two, or cut with the kernel's head/gap/tail rule.
// Record i always carries ts RecordTs(i). Shared by the protocol parsers' fixture tests.

#include <cstdint>
#include <string_view>

#include "agent/protocols/segment.h"
#include "tests/unit/protocols/fixture.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::test_util {

inline constexpr uint64_t kTsStep = 1000;

inline uint64_t RecordTs(size_t i) { return (i + 1) * kTsStep; }

// The ts of the record holding whole-recording offset `at` (0 past the end).
template <typename CaptureT>
uint64_t TsAt(const CaptureT& capture, size_t at) {
  size_t offset = 0;
  for (size_t i = 0; i < capture.records.size(); ++i) {
    offset += capture.records[i].bytes.size();
    if (at < offset) return RecordTs(i);
  }
  return 0;
}

// Client side: the client's records are written (egress), the server's read (ingress).
inline Direction DirectionOf(const CaptureRecord& r) {
  return r.from_client ? Direction::kEgress : Direction::kIngress;
}

// The records whole, up to whole-recording offset `cut` (all of them by default).
template <typename StreamT, typename CaptureT>
void FeedPrefix(StreamT& stream, const CaptureT& capture, size_t cut = SIZE_MAX) {
  size_t offset = 0;
  for (size_t i = 0; i < capture.records.size() && offset < cut; ++i) {
    const auto& r = capture.records[i];
    std::string_view bytes = std::string_view(r.bytes).substr(0, cut - offset);
    auto seg = Whole(bytes, RecordTs(i));
    stream.OnSegment(DirectionOf(r), seg.view());
    offset += r.bytes.size();
  }
}

// The records whole, the one holding whole-recording offset `split` as two syscalls there.
template <typename StreamT, typename CaptureT>
void FeedSplit(StreamT& stream, const CaptureT& capture, size_t split) {
  size_t offset = 0;
  for (size_t i = 0; i < capture.records.size(); ++i) {
    const auto& r = capture.records[i];
    std::string_view bytes = r.bytes;
    uint64_t ts = RecordTs(i);
    if (split > offset && split < offset + bytes.size()) {
      auto first = Whole(bytes.substr(0, split - offset), ts);
      auto second = Whole(bytes.substr(split - offset), ts);
      stream.OnSegment(DirectionOf(r), first.view());
      stream.OnSegment(DirectionOf(r), second.view());
    } else {
      auto seg = Whole(bytes, ts);
      stream.OnSegment(DirectionOf(r), seg.view());
    }
    offset += bytes.size();
  }
}

// The server's records captured with the kernel's rule at `limit` bytes (head, gap, 16-byte
// tail); the client's too when `cut_requests`, else whole.
template <typename StreamT, typename CaptureT>
void FeedCaptured(StreamT& stream, const CaptureT& capture, size_t limit, bool cut_requests) {
  for (size_t i = 0; i < capture.records.size(); ++i) {
    const auto& r = capture.records[i];
    auto seg = (r.from_client && !cut_requests) ? Whole(r.bytes, RecordTs(i))
                                                : Capture(r.bytes, limit, true, RecordTs(i));
    stream.OnSegment(DirectionOf(r), seg.view());
  }
}

// Whether every server record cut at `limit` keeps its tail (the kernel drops the tail when
// fewer than 16 bytes are left after the head).
template <typename CaptureT>
bool RepliesKeepTails(const CaptureT& capture, size_t limit) {
  for (const auto& r : capture.records) {
    size_t n = r.bytes.size();
    if (!r.from_client && n > limit && n < limit + kTailBytes) return false;
  }
  return true;
}

}  // namespace hostlens::protocols::test_util
