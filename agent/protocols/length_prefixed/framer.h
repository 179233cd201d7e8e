#pragma once

// One direction of a connection whose frames are a header carrying the payload length
// (PostgreSQL messages, MySQL packets): segments (captured head, uncaptured gap, captured tail)
// → frames. Boundaries are kept across a gap by counting; each frame keeps at most a
// per-frame number of payload bytes and skips the rest by its length. Sync is lost when a gap
// hides a header or bytes are not one (counted in resyncs()); it is found again at the start of
// a later segment the format finds plausible, or at a final frame the format recognises at the
// end of a segment (counted in tail_recoveries(); the frame is handed out as `inferred`).
//
// What a header looks like, and any state the protocol keeps between frames, is the Format's:
//
//   struct Format {
//     using Frame = ...;  // payload_length, payload, truncated, first/last_byte_ns, inferred
//     // A header starts with this byte: how many bytes the header has.
//     size_t BeginHeader(char first_byte);
//     // The header's bytes so far (at most BeginHeader's count): kSuccess (filling the frame's
//     // own fields and payload_length), kNeedsMoreData, or kInvalid (sync is lost).
//     ParseState ParseHeader(std::string_view header, Frame* frame);
//     // Payload bytes kept of this frame.
//     size_t KeepLimit(const Frame& frame) const;
//     // A frame is complete; false when nothing after it is framed.
//     bool OnFrame(const Frame& frame);
//     // Sync is lost: a segment starts with `head` (of `length` bytes); true to frame it.
//     bool ResyncAt(std::string_view head, uint64_t length);
//     // Sync is still lost after a segment: a final frame ending its captured `end`, if any.
//     bool FrameAtEnd(std::string_view end, Frame* frame);
//     // Sync was lost: whatever the format expected of the next frames is void.
//     void OnLoseSync();
//   };
//
// ParseState is the protocol's own header contract (kSuccess, kNeedsMoreData, kInvalid).

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/protocols/segment.h"

namespace hostlens::protocols::length_prefixed {

template <typename Format>
class Framer {
 public:
  using Frame = typename Format::Frame;

  explicit Framer(Format format) : format_(std::move(format)) {}

  // Appends the frames completed by the segment to *out.
  void OnSegment(const Segment& segment, std::vector<Frame>* out);
  // Nothing after this is framed (encrypted, or the connection changed protocol).
  void Stop() { state_ = State::kStopped; }
  // Framing starts over at the next byte, a frame start (the protocol continues inside TLS on
  // decrypted bytes); what was read of a frame before is dropped. Counters are kept.
  void Resume() {
    header_.clear();
    frame_ = Frame{};
    remaining_ = 0;
    format_.OnLoseSync();
    state_ = State::kHeader;
  }

  bool stopped() const { return state_ == State::kStopped; }
  bool synced() const { return state_ != State::kLost; }
  uint64_t resyncs() const { return resyncs_; }
  uint64_t tail_recoveries() const { return tail_recoveries_; }

  Format& format() { return format_; }
  const Format& format() const { return format_; }

 private:
  enum class State { kHeader, kBody, kLost, kStopped };

  void Feed(std::string_view data);
  bool ReadHeader(std::string_view* data);
  void StartFrame();
  void Finish();
  void Skip(uint64_t n);
  void LoseSync();

  Format format_;
  State state_ = State::kHeader;
  uint64_t resyncs_ = 0;
  uint64_t tail_recoveries_ = 0;

  std::vector<Frame>* out_ = nullptr;  // valid during OnSegment
  uint64_t ts_ = 0;                    // of the segment being read

  std::string header_;  // bytes of the header being read
  size_t header_size_ = 0;
  uint64_t header_ts_ = 0;
  Frame frame_;
  uint64_t remaining_ = 0;
  size_t keep_ = 0;
};

template <typename Format>
void Framer<Format>::OnSegment(const Segment& segment, std::vector<Frame>* out) {
  if (state_ == State::kStopped) return;
  out_ = out;
  ts_ = segment.ts_ns;
  std::string_view head = segment.head;
  std::string_view tail = segment.tail;
  uint64_t captured = head.size() + tail.size();
  uint64_t length = std::max<uint64_t>(segment.length, captured);
  if (state_ == State::kLost && format_.ResyncAt(head, length)) {
    state_ = State::kHeader;
    header_.clear();
  }
  Feed(head);
  Skip(length - captured);
  Feed(tail);
  if (state_ == State::kLost) {
    std::string_view end = !tail.empty() ? tail : (length == head.size() ? head : "");
    Frame frame;
    if (format_.FrameAtEnd(end, &frame)) {
      frame.first_byte_ns = frame.last_byte_ns = ts_;
      frame.inferred = true;
      out_->push_back(std::move(frame));
      state_ = State::kHeader;
      header_.clear();
      ++tail_recoveries_;
    }
  }
  out_ = nullptr;
}

template <typename Format>
void Framer<Format>::Feed(std::string_view data) {
  while (!data.empty()) {
    switch (state_) {
      case State::kLost:
      case State::kStopped:
        return;
      case State::kHeader:
        if (!ReadHeader(&data)) return;
        break;
      case State::kBody: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
        if (frame_.payload.size() < keep_) {
          frame_.payload.append(data.substr(0, std::min(take, keep_ - frame_.payload.size())));
        }
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) Finish();
        break;
      }
    }
  }
}

// Takes header bytes from *data; false when sync was lost.
template <typename Format>
bool Framer<Format>::ReadHeader(std::string_view* data) {
  if (header_.empty()) {
    header_ts_ = ts_;
    header_size_ = format_.BeginHeader((*data)[0]);
  }
  size_t take = std::min(header_size_ - header_.size(), data->size());
  header_.append(data->substr(0, take));
  data->remove_prefix(take);
  auto state = format_.ParseHeader(header_, &frame_);
  using ParseState = decltype(state);
  if (state == ParseState::kInvalid) {
    LoseSync();
    return false;
  }
  if (state == ParseState::kSuccess) StartFrame();
  return true;
}

template <typename Format>
void Framer<Format>::StartFrame() {
  header_.clear();
  frame_.first_byte_ns = header_ts_;
  keep_ = format_.KeepLimit(frame_);
  frame_.payload.reserve(std::min<uint64_t>(keep_, frame_.payload_length));
  remaining_ = frame_.payload_length;
  state_ = State::kBody;
  if (remaining_ == 0) Finish();
}

template <typename Format>
void Framer<Format>::Finish() {
  frame_.last_byte_ns = ts_;
  frame_.truncated = frame_.payload.size() < frame_.payload_length;
  bool more = format_.OnFrame(frame_);
  out_->push_back(std::move(frame_));
  frame_ = Frame{};
  state_ = more ? State::kHeader : State::kStopped;
}

template <typename Format>
void Framer<Format>::Skip(uint64_t n) {
  if (n == 0) return;
  switch (state_) {
    case State::kLost:
    case State::kStopped:
      return;
    case State::kHeader:
      LoseSync();  // a frame start is in the gap
      return;
    case State::kBody:
      if (n <= remaining_) {
        remaining_ -= n;
        keep_ = frame_.payload.size();  // the payload is a prefix: nothing after the gap
        if (remaining_ == 0) Finish();
        return;
      }
      remaining_ = 0;
      Finish();
      if (state_ != State::kStopped) LoseSync();  // the next header is in the gap
      return;
  }
}

template <typename Format>
void Framer<Format>::LoseSync() {
  ++resyncs_;
  header_.clear();
  frame_ = Frame{};
  remaining_ = 0;
  format_.OnLoseSync();
  state_ = State::kLost;
}

}  // namespace hostlens::protocols::length_prefixed
