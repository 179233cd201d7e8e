#include "agent/protocols/postgres/framer.h"

#include "agent/protocols/postgres/limits.h"

namespace hostlens::protocols::postgres {

size_t MessageFormat::BeginHeader(char first_byte) {
  single_byte_ = single_bytes_ > 0;
  if (single_byte_) return 1;
  if (startup_ && first_byte != 0) startup_ = false;  // attached after the startup
  return startup_ ? 8 : 5;
}

ParseState MessageFormat::ParseHeader(std::string_view header, Message* message) {
  if (single_byte_) {
    --single_bytes_;
    single_byte_ = false;
    message->type = kSingleByteAnswer;
    message->code = static_cast<uint8_t>(header[0]);
    return ParseState::kSuccess;
  }
  uint32_t length = 0;
  if (startup_) {
    uint32_t code = 0;
    ParseState state = ParseStartupHeader(&header, &length, &code);
    if (state != ParseState::kSuccess) return state;
    message->code = code;
    message->payload_length = length >= 8 ? length - 8 : 0;
    return state;
  }
  char type = 0;
  ParseState state = postgres::ParseHeader(&header, frontend_, &type, &length);
  if (state != ParseState::kSuccess) return state;
  message->type = type;
  message->payload_length = length >= 4 ? length - 4 : 0;
  return state;
}

size_t MessageFormat::KeepLimit(const Message& message) const {
  char type = message.type;
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

bool MessageFormat::OnFrame(const Message& message) {
  if (startup_ && message.code != kSslRequestCode && message.code != kGssEncRequestCode) {
    startup_ = false;
  }
  // A CancelRequest connection carries nothing else.
  return !(!startup_ && message.type == 0 && message.code == kCancelRequestCode);
}

bool MessageFormat::ResyncAt(std::string_view head, uint64_t length) {
  if (!PlausibleMessageStart(head, length, frontend_)) return false;
  if (frontend_ && !head.empty() && head[0] != 0) startup_ = false;
  return true;
}

bool MessageFormat::FrameAtEnd(std::string_view end, Message* message) const {
  char status = 0;
  if (frontend_ || !EndsWithReadyForQuery(end, &status)) return false;
  message->type = 'Z';
  message->payload_length = 1;
  message->payload.assign(1, status);
  return true;
}

}  // namespace hostlens::protocols::postgres
