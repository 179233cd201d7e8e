#include "agent/protocols/memcached/framer.h"

#include <algorithm>

#include "agent/protocols/memcached/limits.h"
#include "agent/protocols/memcached/parse.h"

namespace hostlens::protocols::memcached {

bool Framer::PlausibleStart(std::string_view head) const {
  if (commands_) return LooksLikeMemcachedCommand(head);
  size_t end = head.find_first_of(" \r\n");
  return end != std::string_view::npos && IsResponseWord(head.substr(0, end));
}

void Framer::OnSegment(const Segment& segment, std::vector<Message>* out) {
  out_ = out;
  ts_ = segment.ts_ns;
  uint64_t captured = segment.head.size() + segment.tail.size();
  uint64_t length = std::max<uint64_t>(segment.length, captured);
  if (state_ == State::kLost && PlausibleStart(segment.head)) {
    state_ = State::kLine;
    line_length_ = 0;
  }
  Feed(segment.head);
  Skip(length - captured);
  Feed(segment.tail);
  out_ = nullptr;
}

void Framer::Feed(std::string_view data) {
  while (!data.empty()) {
    switch (state_) {
      case State::kLost:
        return;
      case State::kLine: {
        if (line_length_ == 0) {
          line_.clear();
          tokens_ = 0;
          in_token_ = false;
          last_token_.clear();
          last_token_cut_ = false;
          line_ts_ = ts_;
        }
        size_t i = 0;
        for (; i < data.size(); ++i) {
          char c = data[i];
          if (c == '\n') break;
          if (++line_length_ > kMaxLine) {
            LoseSync();
            return;
          }
          if (line_.size() < kMaxKeptLine) line_ += c;
          last_char_ = c;
          if (c == ' ' || c == '\r') {
            in_token_ = false;
          } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            LoseSync();  // control bytes: not a text protocol line
            return;
          } else {
            if (!in_token_) {
              in_token_ = true;
              ++tokens_;
              last_token_.clear();
              last_token_cut_ = false;
            }
            if (last_token_.size() < kMaxLastToken) {
              last_token_ += c;
            } else {
              last_token_cut_ = true;
            }
          }
        }
        if (i == data.size()) return;
        data.remove_prefix(i + 1);
        // The server takes command lines ending in LF alone, and an empty line (answered
        // ERROR); its own lines end in CRLF and are never empty.
        if (!commands_ && (line_length_ < 2 || last_char_ != '\r')) {
          LoseSync();
          return;
        }
        line_length_ = 0;
        OnLine();
        break;
      }
      case State::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
        // The block's last two bytes are its CRLF: check them when captured.
        for (size_t i = 0; i < take; ++i) {
          uint64_t left = remaining_ - i;
          if ((left == 2 && data[i] != '\r') || (left == 1 && data[i] != '\n')) {
            LoseSync();
            return;
          }
        }
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) Emit();
        break;
      }
    }
  }
}

void Framer::OnLine() {
  std::string_view line = line_;
  if (!line.empty() && line.back() == '\r' && line.size() == line_.size()) line.remove_suffix(1);
  message_ = Message{};
  message_.first_byte_ns = line_ts_;
  message_.tokens = tokens_;
  std::string_view verb = Word(line, 0);
  if (verb.empty()) {  // an empty line
    if (!commands_) {
      LoseSync();
      return;
    }
    message_.verb = "_OTHER";  // the server answers ERROR
    Emit();
    return;
  }
  if (commands_ ? !IsKnownCommand(verb) : !IsResponseWord(verb)) {
    bool word = verb.size() <= 32 && verb.find_first_of("\r") == std::string_view::npos;
    if (!commands_ || !word) {
      LoseSync();
      return;
    }
    message_.verb = "_OTHER";  // the server answers ERROR
  } else {
    message_.verb = std::string(verb);
  }
  uint64_t bytes = 0;
  bool has_data = false;
  if (commands_) {
    Verb kind = ClassifyVerb(verb);
    std::string_view last = last_token_cut_ ? std::string_view() : std::string_view(last_token_);
    message_.noreply = last == "noreply" && TakesNoreply(verb, tokens_);
    if (kind == Verb::kStorage) {
      // Otherwise the server answers an error and reads what follows as commands.
      has_data = StorageLineValid(verb, line, tokens_) && ParseUnsigned(Word(line, 4), &bytes);
    } else if (kind == Verb::kMetaSet) {
      has_data = ParseUnsigned(Word(line, 2), &bytes);
    }
    // Meta flags: one word each, after the key, told by its first character; q asks for quiet
    // mode, O's token comes back with the answer.
    if (size_t first = MetaFlagsStart(verb); first > 0) {
      message_.key_hash = KeyHash(Word(line, 1));
      message_.has_key = true;
      for (size_t i = first; i < std::min<uint64_t>(tokens_, 64); ++i) {
        std::string_view flag = Word(line, i);
        if (flag.empty()) break;
        if (flag[0] == 'q') message_.quiet = true;
        if (flag[0] == 'O') message_.opaque = std::string(flag.substr(1, kMaxOpaqueBytes));
        // A base64 key (b) comes back encoded or not, by version: not matched on.
        if (flag[0] == 'b') message_.has_key = false;
      }
    }
  } else if (verb == "VALUE") {
    has_data = ParseUnsigned(Word(line, 3), &bytes);
    if (!has_data) {
      LoseSync();
      return;
    }
  } else if (verb == "VA") {
    has_data = ParseUnsigned(Word(line, 1), &bytes);
    if (!has_data) {
      LoseSync();
      return;
    }
  } else if (verb == "ERROR" || verb == "CLIENT_ERROR" || verb == "SERVER_ERROR") {
    message_.error_type = std::string(verb);
  }
  if (!commands_ && verb.size() == 2 && verb != "MN" && verb != "ME") {
    // A meta answer's flags (VA: after the size): O echoes the command's opaque, k its key.
    for (size_t i = verb == "VA" ? 2 : 1; i < 64; ++i) {
      std::string_view flag = Word(line, i);
      if (flag.empty()) break;
      if (flag[0] == 'O') message_.opaque = std::string(flag.substr(1, kMaxOpaqueBytes));
      if (flag[0] == 'k') {
        message_.key_hash = KeyHash(flag.substr(1));
        message_.has_key = true;
      }
    }
  }
  if (has_data) {
    if (bytes > kMaxDataBytes) {
      LoseSync();
      return;
    }
    message_.data_bytes = bytes;
    remaining_ = bytes + 2;
    state_ = State::kData;
    return;
  }
  Emit();
}

void Framer::Emit() {
  message_.last_byte_ns = ts_;
  out_->push_back(std::move(message_));
  message_ = Message{};
  state_ = State::kLine;
}

void Framer::Skip(uint64_t n) {
  if (n == 0 || state_ == State::kLost) return;
  if (state_ == State::kData) {
    if (n <= remaining_) {
      remaining_ -= n;
      if (remaining_ == 0) Emit();
      return;
    }
    n -= remaining_;
    remaining_ = 0;
    Emit();
  }
  LoseSync();  // a line is in the gap
}

void Framer::LoseSync() {
  ++resyncs_;
  state_ = State::kLost;
  line_length_ = 0;
  remaining_ = 0;
  message_ = Message{};
}

}  // namespace hostlens::protocols::memcached
