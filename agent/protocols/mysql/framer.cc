#include "agent/protocols/mysql/framer.h"

#include <algorithm>

#include "agent/protocols/mysql/limits.h"
#include "agent/protocols/mysql/parse.h"

namespace hostlens::protocols::mysql {

void Framer::OnSegment(const Segment& segment, std::vector<Packet>* out) {
  if (state_ == State::kStopped) return;
  out_ = out;
  ts_ = segment.ts_ns;
  std::string_view head = segment.head;
  std::string_view tail = segment.tail;
  uint64_t captured = head.size() + tail.size();
  uint64_t length = std::max<uint64_t>(segment.length, captured);
  if (state_ == State::kLost) {
    bool expected = client_ || expect_response_;
    if (expected && PlausiblePacketStart(head, length, client_ ? 0 : 1)) Resync();
  }
  expect_response_ = false;
  Feed(head);
  Skip(length - captured);
  Feed(tail);
  if (state_ == State::kLost && !client_) {
    std::string_view end = !tail.empty() ? tail : (length == head.size() ? head : "");
    size_t size = 0;
    if (EndsWithFinalResultPacket(end, &size)) {
      Packet p;
      p.payload_length = size - 4;
      p.seq = static_cast<uint8_t>(end[end.size() - size + 3]);
      p.payload.assign(end.substr(end.size() - size + 4));
      p.first_byte_ns = p.last_byte_ns = ts_;
      p.inferred = true;
      out_->push_back(std::move(p));
      Resync();
      ++tail_recoveries_;
    }
  }
  out_ = nullptr;
}

void Framer::Resync() {
  state_ = State::kHeader;
  header_.clear();
  continued_ = false;
}

void Framer::Feed(std::string_view data) {
  while (!data.empty()) {
    switch (state_) {
      case State::kLost:
      case State::kStopped:
        return;
      case State::kHeader: {
        if (header_.empty()) header_ts_ = ts_;
        size_t take = std::min(4 - header_.size(), data.size());
        header_.append(data.substr(0, take));
        data.remove_prefix(take);
        std::string_view buf = header_;
        uint32_t length = 0;
        uint8_t seq = 0;
        ParseState state = ParsePacketHeader(&buf, &length, &seq);
        if (state == ParseState::kInvalid) {
          LoseSync();
          return;
        }
        if (state == ParseState::kNeedsMoreData) break;
        packet_ = Packet{};
        packet_.payload_length = length;
        packet_.seq = seq;
        StartPacket();
        break;
      }
      case State::kBody: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
        if (packet_.payload.size() < keep_) {
          packet_.payload.append(data.substr(0, std::min(take, keep_ - packet_.payload.size())));
        }
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) Finish();
        break;
      }
    }
  }
}

void Framer::StartPacket() {
  header_.clear();
  packet_.first_byte_ns = header_ts_;
  packet_.continuation = continued_;
  continued_ = packet_.payload_length == kMaxPacketLength;
  keep_ = packet_.continuation ? 0 : client_ ? kMaxClientPacketBytes : kMaxServerPacketBytes;
  packet_.payload.reserve(std::min<uint64_t>(keep_, packet_.payload_length));
  remaining_ = packet_.payload_length;
  state_ = State::kBody;
  if (remaining_ == 0) Finish();
}

void Framer::Finish() {
  packet_.last_byte_ns = ts_;
  packet_.truncated = packet_.payload.size() < packet_.payload_length;
  out_->push_back(std::move(packet_));
  packet_ = Packet{};
  state_ = State::kHeader;
}

void Framer::Skip(uint64_t n) {
  if (n == 0) return;
  switch (state_) {
    case State::kLost:
    case State::kStopped:
      return;
    case State::kHeader:
      LoseSync();  // a packet start is in the gap
      return;
    case State::kBody:
      if (n <= remaining_) {
        remaining_ -= n;
        keep_ = packet_.payload.size();  // the payload is a prefix: nothing after the gap
        if (remaining_ == 0) Finish();
        return;
      }
      remaining_ = 0;
      Finish();
      LoseSync();  // the next header is in the gap
      return;
  }
}

void Framer::LoseSync() {
  ++resyncs_;
  header_.clear();
  packet_ = Packet{};
  remaining_ = 0;
  continued_ = false;
  state_ = State::kLost;
}

}  // namespace hostlens::protocols::mysql
