#include "agent/protocols/redis/framer.h"

#include <algorithm>

#include "agent/protocols/redis/limits.h"
#include "agent/protocols/redis/parse.h"

namespace hostlens::protocols::redis {

namespace {

bool IsAggregate(char type) {
  return type == '*' || type == '%' || type == '~' || type == '>' || type == '|';
}

int HelloVersion(std::string_view arg) {
  int64_t v = 0;
  if (!ParseDecimal(arg, &v) || v < 0 || v > 9) return 0;
  return static_cast<int>(v);
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

ClientReply ReplyMode(std::string_view arg) {
  std::string mode = Upper(arg);
  if (mode == "ON") return ClientReply::kOn;
  if (mode == "OFF") return ClientReply::kOff;
  if (mode == "SKIP") return ClientReply::kSkip;
  return ClientReply::kNone;  // a syntax error, answered as any error
}

// Bytes kept of a command's argument `index`: the name, and what HELLO and CLIENT REPLY read
// (one more than the longest word looked for, so that a longer argument never matches).
size_t ArgumentKeep(uint64_t index, std::string_view name) {
  if (index == 0) return kMaxNameBytes + 1;
  if (name == "HELLO") return index == 1 ? 2 : 0;
  if (name == "CLIENT") return index == 1 ? 6 : index == 2 ? 5 : 0;
  return 0;
}

// isspace() in the C locale: what sdssplitargs skips between arguments.
bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}

}  // namespace

void Framer::OnSegment(const Segment& segment, std::vector<Message>* out) {
  out_ = out;
  ts_ = segment.ts_ns;
  std::string_view head = segment.head;
  std::string_view tail = segment.tail;
  uint64_t captured = head.size() + tail.size();
  uint64_t length = std::max<uint64_t>(segment.length, captured);
  if (state_ == State::kLost && PlausibleMessageStart(head, length, commands_)) Reset();
  Feed(head);
  Skip(length - captured);
  Feed(tail);
  out_ = nullptr;
}

void Framer::Reset() {
  state_ = State::kType;
  frames_.clear();
  attributes_ = 0;
  message_ = Message{};
  message_started_ = false;
  line_.clear();
  text_.clear();
}

void Framer::LoseSync() {
  ++resyncs_;
  Reset();
  state_ = State::kLost;
}

size_t Framer::LogicalDepth() const { return frames_.size() - attributes_; }

size_t Framer::TextLimit(char type) const {
  if (type == '-' || type == '!') return kMaxErrorLineBytes;
  if (attributes_ > 0) return 0;
  size_t depth = LogicalDepth();
  if (depth == 0) return type == '+' ? 16 : 0;  // "QUEUED"
  if (depth != 1) return 0;
  const Frame& parent = frames_.back();
  if (parent.index == 0) return commands_ ? kMaxNameBytes + 1 : 16;  // name / pub-sub word
  if (commands_) return ArgumentKeep(parent.index, message_.name);
  return 0;
}

void Framer::Feed(std::string_view data) {
  while (!data.empty()) {
    switch (state_) {
      case State::kLost:
        return;
      case State::kType: {
        char c = data[0];
        if (frames_.empty() && !message_started_) {
          message_ = Message{};
          message_.first_byte_ns = ts_;
          message_started_ = true;
          client_argument_.clear();
          if (commands_ && c != '*') {
            state_ = State::kInline;
            inline_tokens_ = 0;
            quote_ = Quote::kBlank;
            pending_cr_ = false;
            inline_token_.clear();
            line_length_ = 0;
            break;
          }
        }
        if (!IsTypeByte(c) || (commands_ && frames_.empty() && c != '*')) {
          LoseSync();
          return;
        }
        type_ = c;
        line_.clear();
        line_length_ = 0;
        last_char_ = 0;
        state_ = State::kLine;
        data.remove_prefix(1);
        break;
      }
      case State::kLine: {
        size_t lf = data.find('\n');
        std::string_view chunk = data.substr(0, lf == std::string_view::npos ? data.size() : lf);
        size_t limit = IsLengthType(type_) || type_ == ':' ? kMaxHeaderLine + 1 : TextLimit(type_);
        if (type_ == ',' || type_ == '(' || type_ == '#' || type_ == '_') limit = 0;
        if (line_.size() < limit) line_.append(chunk.substr(0, limit - line_.size()));
        line_length_ += chunk.size();
        if (!chunk.empty()) last_char_ = chunk.back();
        if ((IsLengthType(type_) || type_ == ':') && line_length_ > kMaxHeaderLine + 1) {
          LoseSync();
          return;
        }
        if (lf == std::string_view::npos) {
          data = {};
          break;
        }
        data.remove_prefix(lf + 1);
        if (last_char_ != '\r' || line_length_ == 0) {
          LoseSync();
          return;
        }
        if (line_.size() == line_length_) line_.pop_back();  // the CR
        OnLine();
        break;
      }
      case State::kBulk: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
        if (text_.size() < keep_)
          text_.append(data.substr(0, std::min(take, keep_ - text_.size())));
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) {
          state_ = State::kCrlf;
          crlf_seen_ = 0;
        }
        break;
      }
      case State::kCrlf: {
        char want = crlf_seen_ == 0 ? '\r' : '\n';
        if (data[0] != want) {
          LoseSync();
          return;
        }
        data.remove_prefix(1);
        if (++crlf_seen_ == 2) {
          Value v;
          v.type = type_;
          v.text = text_;
          v.cut = text_.size() < bulk_length_ && text_.size() < keep_limit_;
          if (type_ == '!') v.error_type = ErrorType(text_);
          state_ = State::kType;
          CompleteValue(v);
        }
        break;
      }
      case State::kInline: {
        FeedInline(data[0]);
        data.remove_prefix(1);
        if (state_ == State::kLost) return;
        break;
      }
    }
  }
}

// One byte of an inline line. The line ends at LF; a CR right before it is not part of it
// (elsewhere a CR separates arguments, or belongs to a quoted one).
void Framer::FeedInline(char c) {
  if (c == '\n') {
    FinishInline();
    return;
  }
  if (++line_length_ > kMaxInlineLine || c == '\0') {
    // Too long for the server; or a NUL, before which the server's strchr never finds the LF.
    LoseSync();
    return;
  }
  if (pending_cr_) {
    pending_cr_ = false;
    InlineChar('\r');
  }
  if (c == '\r') {
    pending_cr_ = true;
    return;
  }
  InlineChar(c);
}

// sdssplitargs, one byte at a time.
void Framer::InlineChar(char c) {
  switch (quote_) {
    case Quote::kBlank:
      if (IsBlank(c)) return;
      ++inline_tokens_;
      inline_token_.clear();
      quote_ = Quote::kBare;
      [[fallthrough]];
    case Quote::kBare:
      if (c == ' ' || c == '\t' || c == '\r') {
        EndInlineToken();
      } else if (c == '"') {
        quote_ = Quote::kDouble;
      } else if (c == '\'') {
        quote_ = Quote::kSingle;
      } else {
        InlineAppend(c);
      }
      return;
    case Quote::kDouble:
      if (c == '\\') {
        quote_ = Quote::kDoubleEscape;
      } else if (c == '"') {
        quote_ = Quote::kClosed;
      } else {
        InlineAppend(c);
      }
      return;
    case Quote::kDoubleEscape:
      if (c == 'x') {
        quote_ = Quote::kDoubleHex;
        return;
      }
      InlineAppend(Unescape(c));
      quote_ = Quote::kDouble;
      return;
    case Quote::kDoubleHex:  // \x then not two hex digits: an escaped 'x'
      if (HexValue(c) >= 0) {
        hex_digit_ = c;
        quote_ = Quote::kDoubleHex2;
        return;
      }
      InlineAppend('x');
      quote_ = Quote::kDouble;
      InlineChar(c);
      return;
    case Quote::kDoubleHex2:
      quote_ = Quote::kDouble;
      if (HexValue(c) >= 0) {
        InlineAppend(static_cast<char>(HexValue(hex_digit_) * 16 + HexValue(c)));
        return;
      }
      InlineAppend('x');
      InlineAppend(hex_digit_);
      InlineChar(c);
      return;
    case Quote::kSingle:
      if (c == '\\') {
        quote_ = Quote::kSingleEscape;
      } else if (c == '\'') {
        quote_ = Quote::kClosed;
      } else {
        InlineAppend(c);
      }
      return;
    case Quote::kSingleEscape:  // only \' is an escape in single quotes
      quote_ = Quote::kSingle;
      if (c == '\'') {
        InlineAppend(c);
        return;
      }
      InlineAppend('\\');
      InlineChar(c);
      return;
    case Quote::kClosed:
      if (IsBlank(c)) {
        EndInlineToken();
      } else {
        quote_ = Quote::kBad;  // a closing quote must be followed by a blank
      }
      return;
    case Quote::kBad:
      return;
  }
}

void Framer::InlineAppend(char c) {
  if (inline_token_.size() < ArgumentKeep(inline_tokens_ - 1, message_.name)) inline_token_ += c;
}

void Framer::EndInlineToken() {
  OnArgument(inline_tokens_ - 1, inline_token_, false);
  inline_token_.clear();
  quote_ = Quote::kBlank;
}

void Framer::FinishInline() {
  pending_cr_ = false;
  const bool balanced =
      quote_ == Quote::kBlank || quote_ == Quote::kBare || quote_ == Quote::kClosed;
  if (quote_ == Quote::kBare || quote_ == Quote::kClosed) EndInlineToken();
  state_ = State::kType;
  message_.type = 'i';
  // An empty line has no arguments: the server runs nothing and answers nothing.
  message_.elements = inline_tokens_;
  if (!balanced) {
    // "Protocol error: unbalanced quotes in request": one error reply, then the server closes.
    message_.name = "_OTHER";
    message_.hello_version = 0;
    message_.client_reply = ClientReply::kNone;
  }
  Emit();
}

// Argument `index` of a command (0: its name), its kept prefix; `cut` when a gap hid part of
// what was to be kept.
void Framer::OnArgument(uint64_t index, std::string_view text, bool cut) {
  if (index == 0) {
    message_.name = cut ? "_OTHER" : NormalizeName(text);
    return;
  }
  if (cut) return;
  const std::string_view name = message_.name;
  if (index == 1 && name == "HELLO") message_.hello_version = HelloVersion(text);
  if (name != "CLIENT") return;
  if (index == 1) {
    client_argument_ = Upper(text);
  } else if (index == 2 && client_argument_ == "REPLY") {
    message_.client_reply = ReplyMode(text);
  }
}

void Framer::OnLine() {
  state_ = State::kType;
  std::string_view line = line_;
  Value v;
  v.type = type_;
  if (IsLengthType(type_)) {
    int64_t n = 0;
    // A command's multibulk count of 0 or less: the server skips it (no command, no reply).
    if (commands_ && frames_.empty() && type_ == '*' && ParseDecimal(line, &n) && n < 0) {
      line = "-1";
    }
    if (!ParseLengthLine(type_, line, &n)) {
      LoseSync();
      return;
    }
    if (commands_ && !frames_.empty() && type_ != '$') {  // commands are arrays of bulk strings
      LoseSync();
      return;
    }
    if (n < 0) {
      v.null = true;
      CompleteValue(v);
      return;
    }
    if (IsAggregate(type_)) {
      if (frames_.size() >= kMaxDepth) {
        LoseSync();
        return;
      }
      StartAggregate(type_, static_cast<uint64_t>(n));
      return;
    }
    keep_ = keep_limit_ = TextLimit(type_);
    text_.clear();
    bulk_length_ = remaining_ = static_cast<uint64_t>(n);
    state_ = remaining_ == 0 ? State::kCrlf : State::kBulk;
    crlf_seen_ = 0;
    return;
  }
  switch (type_) {
    case ':': {
      if (!ParseDecimal(line, &v.integer)) {
        LoseSync();
        return;
      }
      break;
    }
    case '-':
      v.error_type = ErrorType(line);
      break;
    case '_':
      v.null = true;
      break;
    case '+':
      v.text = line;
      break;
    default:
      break;
  }
  CompleteValue(v);
}

void Framer::StartAggregate(char type, uint64_t elements) {
  Frame frame;
  frame.type = type;
  frame.elements = elements;
  frame.attribute = type == '|';
  frame.remaining = (type == '%' || type == '|') ? 2 * elements : elements;
  if (!frame.attribute && attributes_ == 0) {
    size_t depth = LogicalDepth();
    if (depth == 0) {
      message_.type = type;
      message_.elements = elements;
    } else if (depth == 1) {
      item_ = ReplyItem{};
      item_.type = type;
      item_.elements = elements;
    }
  }
  if (frame.remaining == 0) {
    if (frame.attribute) return;  // an empty attribute: nothing follows it
    Value v;
    v.type = type;
    v.elements = 0;
    CompleteValue(v);
    return;
  }
  if (frame.attribute) ++attributes_;
  frames_.push_back(frame);
}

void Framer::CompleteValue(const Value& value) {
  Value v = value;
  while (true) {
    if (frames_.empty()) {
      if (!IsAggregate(v.type)) {
        message_.type = v.type;
        message_.null = v.null;
        message_.error_type = v.error_type;
        message_.integer = v.integer;
        message_.queued = v.type == '+' && v.text == "QUEUED";
      } else if (v.null) {
        message_.type = v.type;
        message_.null = true;
      }
      Emit();
      return;
    }
    Frame& parent = frames_.back();
    if (attributes_ == 0) {
      size_t depth = LogicalDepth();
      if (depth == 1) {
        if (commands_ && v.type == '$') {
          OnArgument(parent.index, v.text, v.cut);
        } else if (parent.index == 0 && (v.type == '$' || v.type == '+')) {
          if (!commands_) {
            message_.pubsub = v.cut ? PubSubKind::kNone : ClassifyPubSub(v.text);
            if (message_.pubsub != PubSubKind::kNone) {
              message_.pubsub_word.clear();
              for (char ch : v.text)
                message_.pubsub_word += (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch;
            }
          }
        }
        if (v.null) ++message_.null_elements;
        if (!commands_ && message_.items.size() < kMaxReplyItems) {
          ReplyItem item;
          item.type = v.type;
          item.null = v.null;
          item.error_type = v.error_type;
          item.integer = v.integer;
          item.elements = v.elements;
          item.null_elements = v.null_elements;
          message_.items.push_back(std::move(item));
        }
      } else if (depth == 2 && v.null) {
        ++item_.null_elements;
      }
    }
    text_.clear();
    ++parent.index;
    if (--parent.remaining > 0) return;
    Frame done = parent;
    frames_.pop_back();
    if (done.attribute) {
      --attributes_;
      return;  // an attribute annotates the value after it: not a value itself
    }
    Value aggregate;
    aggregate.type = done.type;
    aggregate.elements = done.elements;
    if (attributes_ == 0 && LogicalDepth() == 1) aggregate.null_elements = item_.null_elements;
    v = aggregate;
  }
}

void Framer::Emit() {
  message_.last_byte_ns = ts_;
  if (commands_) {
    if (message_.type == '*' && message_.elements > 0 && message_.name.empty()) {
      message_.name = "_OTHER";
    }
    // CLIENT REPLY takes exactly one argument; any other form is an error reply.
    if (message_.name != std::string_view("CLIENT") || message_.elements != 3) {
      message_.client_reply = ClientReply::kNone;
    }
  }
  out_->push_back(std::move(message_));
  message_ = Message{};
  message_started_ = false;
  state_ = State::kType;
}

void Framer::Skip(uint64_t n) {
  if (n == 0 || state_ == State::kLost) return;
  if (state_ == State::kBulk) {
    uint64_t take = std::min(n, remaining_);
    remaining_ -= take;
    n -= take;
    keep_ = text_.size();  // the kept text is a prefix: nothing after the gap
    if (remaining_ == 0) {
      state_ = State::kCrlf;
      crlf_seen_ = 0;
    }
  }
  if (n > 0 && state_ == State::kCrlf) {
    uint64_t take = std::min<uint64_t>(n, 2 - crlf_seen_);
    crlf_seen_ += static_cast<int>(take);
    n -= take;
    if (crlf_seen_ == 2) {
      Value v;
      v.type = type_;
      v.text = text_;
      v.cut = text_.size() < bulk_length_ && text_.size() < keep_limit_;
      if (type_ == '!') v.error_type = ErrorType(text_);
      state_ = State::kType;
      CompleteValue(v);
    }
  }
  if (n > 0) LoseSync();  // a header line is in the gap
}

}  // namespace hostlens::protocols::redis
