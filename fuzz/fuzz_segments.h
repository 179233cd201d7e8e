#pragma once

// What every protocol parser's libFuzzer target shares: FUZZ_CHECK (fuzz_check.h), and turning the input into the
// syscalls of one connection (payload bytes from the front of the input, control values from
// the back) fed to a Stream as captured or fully captured.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/protocols/segment.h"

#include "fuzz_check.h"

namespace hostlens::fuzz {

struct FuzzSegment {
  protocols::Direction direction;
  std::string payload;  // the bytes the syscall moved, as far as the input gives them
  size_t head_size;
  size_t tail_size;
  uint64_t extra_gap;  // uncaptured bytes beyond the payload
  bool close_after;    // the connection closes after it (for parsers that care)
};

// Up to 256 syscalls; each captured whole, or (op & 2) in part with the kernel's head, an
// optional tail of 16 bytes or of up to HL_TAIL_LEN (256) bytes (or the whole rest), and up to
// `max_extra_gap` more uncaptured bytes.
inline std::vector<FuzzSegment> ConsumeSegments(FuzzedDataProvider& fdp, uint64_t max_extra_gap) {
  std::vector<FuzzSegment> segments;
  while (fdp.remaining_bytes() > 0 && segments.size() < 256) {
    uint8_t op = fdp.ConsumeIntegral<uint8_t>();
    FuzzSegment s;
    s.direction = (op & 1) ? protocols::Direction::kIngress : protocols::Direction::kEgress;
    s.payload = fdp.ConsumeBytesAsString(fdp.ConsumeIntegralInRange<size_t>(0, 2048));
    s.head_size = s.payload.size();
    s.tail_size = 0;
    s.extra_gap = 0;
    if (op & 2) {  // captured only in part
      s.head_size = fdp.ConsumeIntegralInRange<size_t>(0, s.payload.size());
      size_t rest = s.payload.size() - s.head_size;
      if (op & 4) {
        const size_t want = (op & 32) ? fdp.ConsumeIntegralInRange<size_t>(0, 256) : 16;
        s.tail_size = rest >= want ? want : (op & 8 ? rest : 0);
      }
      if (op & 16) s.extra_gap = fdp.ConsumeIntegralInRange<uint64_t>(0, max_extra_gap);
    }
    s.close_after = op == 0xff;
    segments.push_back(std::move(s));
  }
  return segments;
}

// The segment as captured.
inline protocols::Segment Captured(const FuzzSegment& s, uint64_t ts_ns) {
  std::string_view payload = s.payload;
  protocols::Segment segment;
  segment.head = payload.substr(0, s.head_size);
  segment.tail = payload.substr(payload.size() - s.tail_size);
  segment.length = payload.size() + s.extra_gap;
  segment.ts_ns = ts_ns;
  return segment;
}

// Feeds every segment fully captured, whole to `whole` and byte by byte to `bytes`, segment i
// at ts i + 1; returns the last ts.
template <typename StreamT>
uint64_t FeedWholeAndByteByByte(const std::vector<FuzzSegment>& segments, StreamT& whole,
                                StreamT& bytes) {
  uint64_t ts = 0;
  for (const FuzzSegment& s : segments) {
    ++ts;
    whole.OnSegment(s.direction, protocols::Segment{s.payload, {}, s.payload.size(), ts});
    for (size_t i = 0; i < s.payload.size(); ++i) {
      bytes.OnSegment(s.direction,
                      protocols::Segment{std::string_view(s.payload).substr(i, 1), {}, 1, ts});
    }
  }
  return ts;
}

}  // namespace hostlens::fuzz
