#pragma once

// The chunked transfer coding, followed incrementally over captured bytes and uncaptured gaps.
// Only the framing is tracked; chunk data is skipped by count, captured or not.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hostlens::protocols::http1 {

class ChunkedDecoder {
 public:
  enum class Status { kMore, kDone, kInvalid };

  // Consumes captured bytes up to the end of the body; *consumed says how many (all of `data`
  // unless the body ended inside it). kInvalid: the bytes do not follow the coding.
  Status Feed(std::string_view data, size_t* consumed);

  // Accounts for `n` uncaptured bytes. False when they hide framing (a chunk-size line or the
  // trailer section), after which the decoder no longer knows where it is.
  bool Skip(uint64_t n);

  bool done() const { return state_ == State::kDone; }

 private:
  enum class State {
    kSize,       // hex digits of a chunk-size line
    kExtension,  // ";ext" (or whitespace) after the size, up to the line end
    kSizeLf,     // LF of the size line, after its CR
    kData,       // remaining_ bytes of chunk data
    kDataCr,     // CRLF after the data
    kDataLf,
    kTrailerStart,  // at the start of a trailer line or of the final empty line
    kTrailerLine,   // inside a trailer field line
    kTrailerLf,     // LF of the final empty line
    kDone,
  };

  void EndSizeLine();

  State state_ = State::kSize;
  uint64_t size_ = 0;
  int size_digits_ = 0;
  uint64_t remaining_ = 0;
  size_t line_bytes_ = 0;     // bytes in the current extension or trailer line
  size_t trailer_bytes_ = 0;  // bytes in the trailer section
};

// Whether captured bytes that end a segment end a chunked body: a last chunk ("0", with
// optional extension) and optional trailer fields, then the final empty line. Used when a gap
// swallowed the chunk framing. The last-chunk line must be seen to start at a line start; when it
// starts at the first byte, `starts_at_line_start` says whether that is one (a segment start).
bool EndsChunkedBody(std::string_view end_bytes, bool starts_at_line_start);

}  // namespace hostlens::protocols::http1
