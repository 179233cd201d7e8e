#include "agent/protocols/http1/chunked.h"

#include <algorithm>

#include "agent/protocols/http1/char_class.h"
#include "agent/protocols/http1/header_fields.h"

namespace hostlens::protocols::http1 {
namespace {

constexpr int kMaxSizeDigits = 15;  // 2^60 bytes: no overflow, far beyond any real chunk
constexpr size_t kMaxLineBytes = 4096;
constexpr size_t kMaxTrailerBytes = 64 * 1024;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void ChunkedDecoder::EndSizeLine() {
  line_bytes_ = 0;
  if (size_ == 0) {
    state_ = State::kTrailerStart;
  } else {
    remaining_ = size_;
    state_ = State::kData;
  }
}

ChunkedDecoder::Status ChunkedDecoder::Feed(std::string_view data, size_t* consumed) {
  size_t i = 0;
  // On kInvalid, *consumed stops before the offending byte: it may start the next message.
  auto invalid = [&] {
    *consumed = i - 1;
    return Status::kInvalid;
  };
  while (i < data.size() && state_ != State::kDone) {
    if (state_ == State::kData) {
      uint64_t take = std::min<uint64_t>(remaining_, data.size() - i);
      i += take;
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::kDataCr;
      continue;
    }
    char c = data[i++];
    switch (state_) {
      case State::kSize: {
        int digit = HexValue(c);
        if (digit >= 0) {
          if (++size_digits_ > kMaxSizeDigits) return invalid();
          size_ = size_ * 16 + static_cast<uint64_t>(digit);
        } else if (size_digits_ == 0) {
          return invalid();
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExtension;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n') {
          EndSizeLine();
        } else {
          return invalid();
        }
        break;
      }
      case State::kExtension:
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n') {
          EndSizeLine();
        } else if (!IsFieldChar(c) || ++line_bytes_ > kMaxLineBytes) {
          return invalid();
        }
        break;
      case State::kSizeLf:
        if (c != '\n') return invalid();
        EndSizeLine();
        break;
      case State::kDataCr:
        if (c == '\r') {
          state_ = State::kDataLf;
        } else if (c == '\n') {
          size_ = 0;
          size_digits_ = 0;
          state_ = State::kSize;
        } else {
          return invalid();
        }
        break;
      case State::kDataLf:
        if (c != '\n') return invalid();
        size_ = 0;
        size_digits_ = 0;
        state_ = State::kSize;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (c == '\n') {
          state_ = State::kDone;
        } else if (!IsTchar(c)) {
          return invalid();
        } else {
          state_ = State::kTrailerLine;
        }
        break;
      case State::kTrailerLine:
        if (c == '\n') {
          state_ = State::kTrailerStart;
        } else if (c != '\r' && !IsFieldChar(c)) {
          return invalid();
        }
        break;
      case State::kTrailerLf:
        if (c != '\n') return invalid();
        state_ = State::kDone;
        break;
      case State::kData:
      case State::kDone:
        break;
    }
    if ((state_ == State::kTrailerLine || state_ == State::kTrailerStart) &&
        ++trailer_bytes_ > kMaxTrailerBytes) {
      return invalid();
    }
  }
  *consumed = i;
  return state_ == State::kDone ? Status::kDone : Status::kMore;
}

bool ChunkedDecoder::Skip(uint64_t n) {
  while (n > 0) {
    switch (state_) {
      case State::kData: {
        uint64_t take = std::min(remaining_, n);
        remaining_ -= take;
        n -= take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      // The CRLF after chunk data is fixed: counting it keeps the framing when a gap ends right
      // after it, as when each chunk is written by one syscall.
      case State::kDataCr:
        --n;
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        --n;
        size_ = 0;
        size_digits_ = 0;
        state_ = State::kSize;
        break;
      default:
        return false;
    }
  }
  return true;
}

bool EndsChunkedBody(std::string_view end_bytes, bool starts_at_line_start) {
  // Walk the lines backwards from the final empty line.
  std::string_view s = end_bytes;
  auto strip_line_end = [](std::string_view* text) {
    if (text->empty() || text->back() != '\n') return false;
    text->remove_suffix(1);
    if (!text->empty() && text->back() == '\r') text->remove_suffix(1);
    return true;
  };
  if (!strip_line_end(&s)) return false;  // the final empty line's LF
  if (!strip_line_end(&s)) return false;  // the LF ending the line before it
  while (true) {
    size_t newline = s.rfind('\n');
    bool at_start = newline == std::string_view::npos;
    std::string_view line = at_start ? s : s.substr(newline + 1);
    if (at_start && !starts_at_line_start) return false;  // a cut line cannot be judged
    std::string_view size = line.substr(0, line.find(';'));
    if (!size.empty() && size.find_first_not_of('0') == std::string_view::npos) return true;
    HeaderFacts ignored;
    if (line.empty() || !ParseFieldLine(line, &ignored)) return false;  // not a trailer field
    if (at_start) return false;
    s = s.substr(0, newline + 1);
    if (!strip_line_end(&s)) return false;
  }
}

}  // namespace hostlens::protocols::http1
