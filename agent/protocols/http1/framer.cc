#include "agent/protocols/http1/framer.h"

// How boundaries are kept when the kernel did not capture every byte:
// - Content-Length bodies and chunk data are skipped by count, captured or not.
// - Chunked framing is followed while its size lines are captured. When a gap swallows one, the
//   body is taken to end with the first segment whose captured end is a last chunk ("0\r\n\r\n",
//   optionally with trailers).
// - A header block longer than the captured prefix is parsed from what was captured (the start
//   line must be there; a request line may be cut inside its target) and taken to end at the
//   first blank line captured after the gap (in the tail) or, failing that, with the segment.
// - A body framed by such a guess (and a response whose request is unknown, a close-delimited
//   body, a body whose framing fields were not captured) ends early when a later segment opens
//   with a start line: messages start at syscall boundaries far more often than bodies contain
//   start lines. These ends are counted as inferred.
// - A header block whose empty line is a bare CR (parse.h) is dropped, and its body skipped as
//   its fields frame it: the sender meant that framing, and the next message follows it.
// - Anything else (bytes that are no start line, a message starting inside a gap) loses sync;
//   the framer then looks for the next plausible start line after a LF. A segment start is taken
//   as a line start only where the bytes skipped have no line structure (after a gap, in a body
//   whose framing broke, past kMaxHeadBytes without a LF) or the other direction spoke since the
//   last segment: inside a malformed line, a read boundary is no line start, and the request
//   line it seems to open is the rest of that line.
// - A header line is re-checked as each piece of it arrives (up to kEarlyCheckBytes), so that
//   bad bytes are seen when they come, not at the next line end.

#include <algorithm>
#include <utility>

#include "agent/protocols/http1/limits.h"
#include "agent/protocols/http1/start_line.h"

namespace hostlens::protocols::http1 {
namespace {

constexpr size_t kWindowBytes = 64;
// While the start line (or the last header line) is incomplete, it is re-checked on every piece
// so that garbage fails fast; past this many bytes only at line ends (bounding the cost of tiny
// segments).
constexpr size_t kEarlyCheckBytes = 1024;

// Advances the "blank line" automaton by one byte: 0 = inside a line, 1 = just after LF,
// 2 = after LF and CR. Returns true when the byte ends an empty line.
bool StepBlankLine(int* state, char c) {
  if (c == '\n') {
    if (*state != 0) return true;
    *state = 1;
  } else if (c == '\r' && *state == 1) {
    *state = 2;
  } else {
    *state = 0;
  }
  return false;
}

}  // namespace

bool Framer::InMessage() const {
  switch (state_) {
    case State::kHeadRest:
    case State::kLength:
    case State::kChunked:
    case State::kChunkedLost:
    case State::kUntilClose:
    case State::kUntilNextMessage:
      return true;
    default:
      return false;
  }
}

bool Framer::LooksLikeStart(std::string_view text) const {
  return kind_ == MessageKind::kRequest ? LooksLikeRequest(text) : LooksLikeResponse(text);
}

void Framer::OnSegment(const Segment& segment, FramerListener* listener) {
  if (state_ == State::kStopped || std::max<uint64_t>(segment.length, segment.head.size()) == 0) {
    return;
  }
  listener_ = listener;
  std::string_view head = segment.head;
  std::string_view tail = segment.tail;
  uint64_t length = std::max<uint64_t>(segment.length, head.size());
  // A tail overlapping the head repeats bytes: keep only the part after the head.
  if (tail.size() > length - head.size()) tail = tail.substr(tail.size() - (length - head.size()));
  uint64_t gap = length - head.size() - tail.size();
  if (gap == 0 && !tail.empty()) {
    merged_.assign(head);
    merged_.append(tail);
    head = merged_;
    tail = {};
  }

  segment_ts_ = segment.ts_ns;
  BeginSegment(head);
  Feed(head, gap == 0);
  if (gap > 0) Skip(gap);
  Feed(tail, true);
  EndSegment();
  listener_ = nullptr;
}

void Framer::OnClose(FramerListener* listener) {
  listener_ = listener;
  if (state_ == State::kUntilClose) {
    EndMessage(last_message_ts_);
  } else if (state_ == State::kUntilNextMessage || (InMessage() && uncertain_)) {
    InferEnd();
  }
  Stop();
  listener_ = nullptr;
}

void Framer::Stop() {
  state_ = State::kStopped;
  head_buf_ = std::string();
  scan_ = std::string();
  window_ = std::string();
  merged_ = std::string();
  replay_ = std::string();
}

void Framer::BeginSegment(std::string_view first_bytes) {
  bool guessed = uncertain_ || state_ == State::kChunkedLost || state_ == State::kUntilClose ||
                 state_ == State::kUntilNextMessage;
  if (InMessage() && guessed && LooksLikeStart(first_bytes)) {
    InferEnd();
  } else if (state_ == State::kResync) {
    bool segment_may_start = !lost_in_lines_ || peer_spoke_ || line_bytes_ >= kMaxHeadBytes;
    if (segment_may_start && (scan_.empty() || LooksLikeStart(first_bytes))) {
      scan_.clear();
      at_line_start_ = true;
    }
  }
  peer_spoke_ = false;
  if (window_.empty()) window_at_line_start_ = true;
}

void Framer::Feed(std::string_view data, bool ends_segment) {
  // Bytes a handler hands back (buffered bytes to rescan) come before the rest of the input.
  std::string replay;
  std::string_view replay_rest;
  while (state_ != State::kStopped) {
    if (!replay_.empty()) {
      std::string next = std::move(replay_);
      replay_.clear();
      next.append(replay_rest);
      replay = std::move(next);
      replay_rest = replay;
    }
    if (!replay_rest.empty()) {
      replay_rest.remove_prefix(Step(replay_rest, false));
    } else if (!data.empty()) {
      data.remove_prefix(Step(data, ends_segment));
    } else {
      break;
    }
  }
}

size_t Framer::Step(std::string_view data, bool ends_segment) {
  size_t used = 0;
  switch (state_) {
    case State::kIdle:
      while (used < data.size() && (data[used] == '\r' || data[used] == '\n')) ++used;
      if (used < data.size()) {
        state_ = State::kHead;
        head_buf_.clear();
        head_has_line_end_ = false;
        cut_line_start_ = 0;
        first_byte_ns_ = segment_ts_;
      }
      break;
    case State::kHead:
      used = FeedHead(data);
      break;
    case State::kHeadRest:
      used = FeedHeadRest(data, ends_segment);
      break;
    case State::kLength:
      used = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
      remaining_ -= used;
      if (remaining_ == 0) EndMessage(segment_ts_);
      break;
    case State::kChunked:
      used = FeedChunked(data);
      break;
    case State::kChunkedLost:
      used = data.size();
      window_.append(data);
      if (window_.size() > kWindowBytes) {
        window_.erase(0, window_.size() - kWindowBytes);
        window_at_line_start_ = false;
      }
      break;
    case State::kUntilClose:
    case State::kUntilNextMessage:
      used = data.size();
      break;
    case State::kResync:
      used = FeedResync(data);
      break;
    case State::kStopped:
      return data.size();
  }
  if (used > 0 && state_ != State::kIdle && state_ != State::kResync) {
    last_message_ts_ = segment_ts_;
  }
  return used;
}

void Framer::Skip(uint64_t n) {
  window_.clear();
  window_at_line_start_ = false;
  switch (state_) {
    case State::kIdle:
      LoseSync(false, LostIn::kBytes);  // a message starts inside the gap
      return;
    case State::kHead:
      SkipHead();
      break;
    case State::kHeadRest:
      rest_until_segment_end_ = true;
      blank_line_state_ = 0;
      break;
    case State::kLength:
      if (n < remaining_) {
        remaining_ -= n;
      } else {
        bool overrun = n > remaining_;
        remaining_ = 0;
        EndMessage(segment_ts_);
        if (overrun && state_ != State::kStopped) LoseSync(false, LostIn::kBytes);
        return;
      }
      break;
    case State::kChunked:
      if (!chunked_.Skip(n)) {
        state_ = State::kChunkedLost;
        uncertain_ = true;
      }
      break;
    case State::kResync:
      if (!scan_.empty() && LooksLikeStart(scan_)) {
        // A candidate start line cut by the capture limit (a long URL): take it.
        head_buf_ = std::move(scan_);
        scan_.clear();
        first_byte_ns_ = scan_ts_;
        state_ = State::kHead;
        SkipHead();
      } else {
        scan_.clear();
        at_line_start_ = false;
        lost_in_lines_ = false;  // the gap hides where lines start
      }
      break;
    case State::kChunkedLost:
    case State::kUntilClose:
    case State::kUntilNextMessage:
    case State::kStopped:
      break;
  }
  if (InMessage()) last_message_ts_ = segment_ts_;
}

void Framer::EndSegment() {
  if (state_ == State::kHeadRest && rest_until_segment_end_) {
    StartBody();
  } else if (state_ == State::kChunkedLost && EndsChunkedBody(window_, window_at_line_start_)) {
    EndMessage(segment_ts_);
  }
}

size_t Framer::FeedHead(std::string_view data) {
  size_t old_size = head_buf_.size();
  size_t take = std::min(kMaxHeadBytes - old_size, data.size());
  head_buf_.append(data.data(), take);
  size_t last_newline = data.substr(0, take).rfind('\n');
  bool new_line_end = last_newline != std::string_view::npos;
  bool had_line_end = head_has_line_end_;
  if (new_line_end) {
    head_has_line_end_ = true;
    cut_line_start_ = old_size + last_newline + 1;
  }
  if (new_line_end || (had_line_end ? CutLineBroken() : head_buf_.size() <= kEarlyCheckBytes)) {
    std::string_view buf = head_buf_;
    switch (ParseHead(&buf)) {
      case ParseState::kSuccess: {
        size_t used = head_buf_.size() - buf.size() - old_size;
        OnHeadReported(false);
        return used;
      }
      case ParseState::kInvalid: {
        size_t end = 0;
        if (DropMalformedHead(&end)) {
          // What follows the block: bytes buffered before `data` are handed back.
          if (end < old_size) replay_ = head_buf_.substr(end, old_size - end);
          head_buf_.clear();
          StartBody();
          return end < old_size ? 0 : end - old_size;
        }
        // Rescan what was buffered before `data`, past its first byte, then `data` itself.
        std::string rescan = old_size > 1 ? head_buf_.substr(1, old_size - 1) : std::string();
        LoseSync(false, LostIn::kLines);
        replay_ = std::move(rescan);
        return old_size == 0 ? 1 : 0;
      }
      case ParseState::kNeedsMoreData:
        break;
    }
  }
  if (head_buf_.size() == kMaxHeadBytes) {
    // Over the cap: parse what was kept and skip the rest of the block.
    if (ParseTruncatedHead()) {
      rest_until_segment_end_ = false;
      blank_line_state_ = 0;
      for (size_t i = head_buf_.size() - 3; i < head_buf_.size(); ++i) {
        StepBlankLine(&blank_line_state_, head_buf_[i]);
      }
      head_buf_ = std::string();
      OnHeadReported(true);
    } else {
      uint64_t cut_line_bytes = head_buf_.size() - cut_line_start_;
      LoseSync(false, LostIn::kLines);
      line_bytes_ = cut_line_bytes;
    }
  }
  return take;
}

// Whether the incomplete last header line can no longer become a valid one (checked while it is
// short; the early check covers the start line).
bool Framer::CutLineBroken() const {
  std::string_view cut = std::string_view(head_buf_).substr(cut_line_start_);
  return cut.size() <= kEarlyCheckBytes && !IsValidFieldLinePrefix(cut);
}

// A head that ParseHead rejected but whose block a bare CR ends: dropped, counted with the
// losses, and its body (framed by the listener) skipped. *end: bytes of head_buf_ it took.
bool Framer::DropMalformedHead(size_t* end) {
  std::string_view buf = head_buf_;
  if (kind_ == MessageKind::kRequest) {
    RequestHead head;
    if (ParseBareCrEndedRequestHead(&buf, &head) != ParseState::kSuccess) return false;
    decision_ = listener_->OnMalformedRequestHead(head);
  } else {
    ResponseHead head;
    if (ParseBareCrEndedResponseHead(&buf, &head) != ParseState::kSuccess) return false;
    decision_ = listener_->OnMalformedResponseHead(head);
  }
  *end = head_buf_.size() - buf.size();
  ++resyncs_;
  synced_ = true;  // the next message's start is known
  dropping_ = true;
  uncertain_ = !decision_.certain;
  return true;
}

void Framer::SkipHead() {
  if (ParseTruncatedHead()) {
    rest_until_segment_end_ = true;
    blank_line_state_ = 0;
    OnHeadReported(true);
  } else {
    LoseSync(false, LostIn::kBytes);
  }
}

size_t Framer::FeedHeadRest(std::string_view data, bool ends_segment) {
  if (rest_until_segment_end_ && ends_segment && decision_.body.kind == BodyKind::kChunked &&
      EndsChunkedBody(data, false)) {
    // The tail is the end of the chunked body: the whole message was in this segment.
    EndMessage(segment_ts_);
    return data.size();
  }
  for (size_t i = 0; i < data.size(); ++i) {
    if (StepBlankLine(&blank_line_state_, data[i])) {
      StartBody();
      return i + 1;
    }
  }
  return data.size();
}

size_t Framer::FeedChunked(std::string_view data) {
  size_t used = 0;
  switch (chunked_.Feed(data, &used)) {
    case ChunkedDecoder::Status::kDone:
      EndMessage(segment_ts_);
      break;
    case ChunkedDecoder::Status::kInvalid:
      // The byte that broke the coding may start the next message (a body ended early).
      LoseSync(true, LostIn::kBytes);
      at_line_start_ = true;
      break;
    case ChunkedDecoder::Status::kMore:
      break;
  }
  return used;
}

size_t Framer::FeedResync(std::string_view data) {
  size_t last_newline = data.rfind('\n');
  line_bytes_ = last_newline == std::string_view::npos ? line_bytes_ + data.size()
                                                       : data.size() - last_newline - 1;
  std::string combined;
  std::string_view view = data;
  size_t carried = scan_.size();
  if (carried > 0) {
    combined = std::move(scan_);
    combined.append(data);
    view = combined;
    scan_.clear();
    at_line_start_ = true;
  }
  size_t pos = 0;
  while (true) {
    if (!at_line_start_) {
      size_t newline = view.find('\n', pos);
      if (newline == std::string_view::npos) return data.size();
      pos = newline + 1;
      at_line_start_ = true;
    }
    if (pos == view.size()) return data.size();
    std::string_view candidate = view.substr(pos, kMaxHeadBytes);
    LineMatch match;
    if (kind_ == MessageKind::kRequest) {
      RequestLine line;
      match = MatchRequestLine(candidate, &line);
    } else {
      ResponseLine line;
      match = MatchResponseLine(candidate, &line);
    }
    if (match == LineMatch::kYes) {
      state_ = State::kHead;
      at_line_start_ = false;
      head_buf_.clear();
      head_has_line_end_ = false;
      cut_line_start_ = 0;
      if (pos < carried) {
        first_byte_ns_ = scan_ts_;
        replay_.assign(view.substr(pos, carried - pos));
        return 0;
      }
      first_byte_ns_ = segment_ts_;
      return pos - carried;
    }
    if (match == LineMatch::kNeedMore && candidate.size() < kMaxHeadBytes) {
      if (pos >= carried) scan_ts_ = segment_ts_;
      scan_.assign(view.substr(pos));
      return data.size();
    }
    at_line_start_ = false;
    ++pos;
  }
}

ParseState Framer::ParseHead(std::string_view* buf) {
  if (kind_ == MessageKind::kRequest) {
    RequestHead head;
    ParseState state = ParseRequestHead(buf, &head);
    if (state == ParseState::kSuccess) decision_ = listener_->OnRequestHead(head, first_byte_ns_);
    return state;
  }
  ResponseHead head;
  ParseState state = ParseResponseHead(buf, &head);
  if (state == ParseState::kSuccess) decision_ = listener_->OnResponseHead(head, first_byte_ns_);
  return state;
}

bool Framer::ParseTruncatedHead() {
  if (kind_ == MessageKind::kRequest) {
    RequestHead head;
    if (!ParseTruncatedRequestHead(head_buf_, &head)) return false;
    decision_ = listener_->OnRequestHead(head, first_byte_ns_);
    return true;
  }
  ResponseHead head;
  if (!ParseTruncatedResponseHead(head_buf_, &head)) return false;
  decision_ = listener_->OnResponseHead(head, first_byte_ns_);
  return true;
}

void Framer::OnHeadReported(bool truncated) {
  synced_ = true;
  uncertain_ = truncated || !decision_.certain;
  head_buf_.clear();
  if (truncated) {
    state_ = State::kHeadRest;
  } else {
    StartBody();
  }
}

void Framer::StartBody() {
  switch (decision_.body.kind) {
    case BodyKind::kNone:
      EndMessage(segment_ts_);
      break;
    case BodyKind::kLength:
      if (decision_.body.length == 0) {
        EndMessage(segment_ts_);
      } else {
        remaining_ = decision_.body.length;
        state_ = State::kLength;
      }
      break;
    case BodyKind::kChunked:
      chunked_ = ChunkedDecoder();
      state_ = State::kChunked;
      break;
    case BodyKind::kUntilClose:
      state_ = State::kUntilClose;
      break;
    case BodyKind::kUntilNextMessage:
      state_ = State::kUntilNextMessage;
      break;
    case BodyKind::kTunnel:
      EndMessage(segment_ts_);
      Stop();
      break;
  }
}

void Framer::EndMessage(uint64_t last_byte_ns) {
  state_ = State::kIdle;
  uncertain_ = false;
  window_.clear();
  if (std::exchange(dropping_, false)) return;
  listener_->OnMessageEnd(kind_, last_byte_ns);
}

void Framer::InferEnd() {
  ++inferred_ends_;
  EndMessage(last_message_ts_);
}

void Framer::LoseSync(bool in_message, LostIn lost_in) {
  // A dropped message abandoned in its body was already handed over (its request dropped).
  bool abandons_dropped = std::exchange(dropping_, false) && in_message;
  state_ = State::kResync;
  uncertain_ = false;
  head_buf_.clear();
  scan_.clear();
  at_line_start_ = false;
  lost_in_lines_ = lost_in == LostIn::kLines;
  line_bytes_ = 0;
  // A candidate start line that turns out not to be a message is part of the same loss.
  if (!synced_) return;
  synced_ = false;
  ++resyncs_;
  if (!abandons_dropped) listener_->OnSyncLost(kind_, in_message);
}

}  // namespace hostlens::protocols::http1
