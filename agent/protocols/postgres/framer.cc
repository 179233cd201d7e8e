#include "agent/protocols/postgres/framer.h"

#include <algorithm>

#include "agent/protocols/postgres/limits.h"
#include "agent/protocols/postgres/parse.h"

namespace hostlens::protocols::postgres {

size_t Framer::KeepLimit(char type) const {
  if (type == 0) return kMaxStartupMessageBytes;
  if (frontend_) {
    switch (type) {
      case 'Q': case 'P': return kMaxStatementMessageBytes;
      case 'B': case 'E': case 'C': case 'D': return kMaxNamesMessageBytes;
      default: return 0;
    }
  }
  switch (type) {
    case 'E': return kMaxErrorMessageBytes;
    case 'C': return 64;
    case 'Z': return 1;
    case 'R': return 4;
    default: return 0;
  }
}

void Framer::OnSegment(const Segment& segment, std::vector<Message>* out) {
  if (state_ == State::kStopped) return;
  out_ = out;
  ts_ = segment.ts_ns;
  std::string_view head = segment.head;
  std::string_view tail = segment.tail;
  uint64_t captured = head.size() + tail.size();
  uint64_t length = std::max<uint64_t>(segment.length, captured);
  if (state_ == State::kLost && PlausibleMessageStart(head, length, frontend_)) {
    state_ = State::kHeader;
    header_.clear();
    if (frontend_ && !head.empty() && head[0] != 0) startup_ = false;
  }
  Feed(head);
  Skip(length - captured);
  Feed(tail);
  if (state_ == State::kLost && !frontend_) {
    std::string_view end = !tail.empty() ? tail : (length == head.size() ? head : "");
    char status = 0;
    if (EndsWithReadyForQuery(end, &status)) {
      Message z;
      z.type = 'Z';
      z.payload_length = 1;
      z.payload.assign(1, status);
      z.first_byte_ns = z.last_byte_ns = ts_;
      z.inferred = true;
      out_->push_back(std::move(z));
      state_ = State::kHeader;
      header_.clear();
      ++tail_recoveries_;
    }
  }
  out_ = nullptr;
}

void Framer::Feed(std::string_view data) {
  while (!data.empty()) {
    switch (state_) {
      case State::kLost:
      case State::kStopped:
        return;
      case State::kHeader: {
        if (header_.empty()) {
          header_ts_ = ts_;
          if (single_bytes_ > 0) {
            --single_bytes_;
            Message m;
            m.type = kSingleByteAnswer;
            m.code = static_cast<uint8_t>(data[0]);
            m.first_byte_ns = m.last_byte_ns = ts_;
            out_->push_back(std::move(m));
            data.remove_prefix(1);
            continue;
          }
          if (startup_ && data[0] != 0) startup_ = false;  // attached after the startup
        }
        size_t need = startup_ ? 8 : 5;
        size_t take = std::min(need - header_.size(), data.size());
        header_.append(data.substr(0, take));
        data.remove_prefix(take);
        std::string_view buf = header_;
        uint32_t length = 0;
        ParseState state;
        if (startup_) {
          uint32_t code = 0;
          state = ParseStartupHeader(&buf, &length, &code);
          message_ = Message{};
          message_.code = code;
          message_.payload_length = length >= 8 ? length - 8 : 0;
        } else {
          char type = 0;
          state = ParseHeader(&buf, frontend_, &type, &length);
          message_ = Message{};
          message_.type = type;
          message_.payload_length = length >= 4 ? length - 4 : 0;
        }
        if (state == ParseState::kInvalid) {
          LoseSync();
          return;
        }
        if (state == ParseState::kNeedsMoreData) break;
        StartMessage();
        break;
      }
      case State::kBody: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
        if (message_.payload.size() < keep_) {
          message_.payload.append(data.substr(0, std::min(take, keep_ - message_.payload.size())));
        }
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) Finish();
        break;
      }
    }
  }
}

void Framer::StartMessage() {
  header_.clear();
  message_.first_byte_ns = header_ts_;
  keep_ = KeepLimit(message_.type);
  message_.payload.reserve(std::min<uint64_t>(keep_, message_.payload_length));
  remaining_ = message_.payload_length;
  state_ = State::kBody;
  if (remaining_ == 0) Finish();
}

void Framer::Finish() {
  message_.last_byte_ns = ts_;
  message_.truncated = message_.payload.size() < message_.payload_length;
  if (startup_ && message_.code != kSslRequestCode && message_.code != kGssEncRequestCode) {
    startup_ = false;
  }
  bool cancel = startup_ == false && message_.type == 0 && message_.code == kCancelRequestCode;
  out_->push_back(std::move(message_));
  message_ = Message{};
  state_ = State::kHeader;
  if (cancel) state_ = State::kStopped;
}

void Framer::Skip(uint64_t n) {
  if (n == 0) return;
  switch (state_) {
    case State::kLost:
    case State::kStopped:
      return;
    case State::kHeader:
      LoseSync();  // a message start is in the gap
      return;
    case State::kBody:
      if (n <= remaining_) {
        remaining_ -= n;
        keep_ = message_.payload.size();  // the payload is a prefix: nothing after the gap
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
  message_ = Message{};
  remaining_ = 0;
  single_bytes_ = 0;
  state_ = State::kLost;
}

}  // namespace hostlens::protocols::postgres
