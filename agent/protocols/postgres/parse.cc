#include "agent/protocols/postgres/parse.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "agent/protocols/postgres/limits.h"

namespace hostlens::protocols::postgres {
namespace {

uint32_t ReadU32(std::string_view b) {
  return (uint32_t{static_cast<uint8_t>(b[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[2])} << 8) | uint32_t{static_cast<uint8_t>(b[3])};
}

// Smallest and largest legal length (counting the length field) of a typed message.
bool LengthFits(char type, bool frontend, uint32_t length) {
  if (length < 4 || length > kMaxMessageLength) return false;
  if (frontend) {
    switch (type) {
      case 'S': case 'H': case 'X': case 'c': return length == 4;  // Sync Flush Terminate CopyDone
      case 'E': return length >= 9;   // portal name + int32
      case 'B': return length >= 12;  // two names + three int16
      case 'P': return length >= 8;   // two names + int16
      case 'C': case 'D': return length >= 6;  // kind + name
      case 'Q': return length >= 5;
      default: return true;
    }
  }
  switch (type) {
    case 'Z': return length == 5;
    case '1': case '2': case '3': case 'I': case 'n': case 'c': return length == 4;
    case 'K': return length >= 12 && length <= 264;  // key of 4 (3.0) to 256 bytes (3.2)
    case 'R': return length >= 8;
    case 'C': return length >= 5;
    case 'D': case 't': return length >= 6;
    case 'T': return length >= 6;
    case 's': return length == 4;
    default: return true;
  }
}

}  // namespace

bool IsFrontendType(char type) {
  switch (type) {
    case 'B': case 'C': case 'D': case 'E': case 'F': case 'H': case 'P': case 'Q': case 'S':
    case 'X': case 'c': case 'd': case 'f': case 'p':
      return true;
    default:
      return false;
  }
}

bool IsBackendType(char type) {
  switch (type) {
    case '1': case '2': case '3': case 'A': case 'C': case 'D': case 'E': case 'G': case 'H':
    case 'I': case 'K': case 'N': case 'R': case 'S': case 'T': case 'V': case 'W': case 'Z':
    case 'c': case 'd': case 'n': case 's': case 't': case 'v':
      return true;
    default:
      return false;
  }
}

ParseState ParseHeader(std::string_view* buf, bool frontend, char* type, uint32_t* length) {
  std::string_view b = *buf;
  if (b.empty()) return ParseState::kNeedsMoreData;
  char t = b[0];
  if (!(frontend ? IsFrontendType(t) : IsBackendType(t))) return ParseState::kInvalid;
  if (b.size() < 5) return ParseState::kNeedsMoreData;
  uint32_t len = ReadU32(b.substr(1));
  if (!LengthFits(t, frontend, len)) return ParseState::kInvalid;
  *type = t;
  *length = len;
  buf->remove_prefix(5);
  return ParseState::kSuccess;
}

ParseState ParseStartupHeader(std::string_view* buf, uint32_t* length, uint32_t* code) {
  std::string_view b = *buf;
  if (b.size() < 8) {
    // The length's first bytes are zero for any sane packet: reject early what cannot be one.
    if (!b.empty() && b[0] != 0) return ParseState::kInvalid;
    return ParseState::kNeedsMoreData;
  }
  uint32_t len = ReadU32(b);
  uint32_t c = ReadU32(b.substr(4));
  bool request = c == kSslRequestCode || c == kGssEncRequestCode;
  if (request && len != 8) return ParseState::kInvalid;
  if (c == kCancelRequestCode && len != 16) return ParseState::kInvalid;
  if (!request && c != kCancelRequestCode && ((c >> 16) != 3 || len < 8 || len > 10000)) {
    return ParseState::kInvalid;
  }
  *length = len;
  *code = c;
  buf->remove_prefix(8);
  return ParseState::kSuccess;
}

bool ReadCString(std::string_view* buf, std::string* out, size_t max_bytes) {
  size_t nul = buf->find('\0');
  if (nul == std::string_view::npos) {
    out->assign(buf->substr(0, std::min(buf->size(), max_bytes)));
    return false;
  }
  out->assign(buf->substr(0, std::min(nul, max_bytes)));
  buf->remove_prefix(nul + 1);
  return true;
}

namespace {

// A NUL-terminated text of at most kMaxSqlBytes; `complete` when it was captured to its NUL.
void ReadSql(std::string_view* payload, std::string* sql, bool* complete) {
  size_t nul = payload->find('\0');
  size_t n = nul == std::string_view::npos ? payload->size() : nul;
  sql->assign(payload->substr(0, std::min(n, kMaxSqlBytes)));
  *complete = nul != std::string_view::npos && nul <= kMaxSqlBytes;
}

}  // namespace

void ParseQueryMessage(std::string_view payload, std::string* sql, bool* complete) {
  ReadSql(&payload, sql, complete);
}

bool ParseParseMessage(std::string_view payload, std::string* name, std::string* sql,
                       bool* complete) {
  if (!ReadCString(&payload, name, kMaxNamesMessageBytes)) return false;
  ReadSql(&payload, sql, complete);
  return true;
}

bool ParseBindMessage(std::string_view payload, std::string* portal, std::string* statement) {
  return ReadCString(&payload, portal, kMaxNamesMessageBytes) &&
         ReadCString(&payload, statement, kMaxNamesMessageBytes);
}

bool ParseExecuteMessage(std::string_view payload, std::string* portal) {
  return ReadCString(&payload, portal, kMaxNamesMessageBytes);
}

bool ParseCloseMessage(std::string_view payload, char* kind, std::string* name) {
  if (payload.empty()) return false;
  *kind = payload[0];
  payload.remove_prefix(1);
  return ReadCString(&payload, name, kMaxNamesMessageBytes);
}

std::string ErrorSqlState(std::string_view payload) {
  while (!payload.empty() && payload[0] != '\0') {
    char field = payload[0];
    payload.remove_prefix(1);
    std::string value;
    if (!ReadCString(&payload, &value, 64)) return "";
    if (field == 'C') return value.size() == 5 ? value : "";
  }
  return "";
}

bool IsFatalError(std::string_view payload) {
  std::string severity;  // 'V' (never localized, since 9.6) over 'S' (localized)
  while (!payload.empty() && payload[0] != '\0') {
    char field = payload[0];
    payload.remove_prefix(1);
    std::string value;
    if (!ReadCString(&payload, &value, 64)) break;
    if (field == 'V') {
      severity = std::move(value);
      break;
    }
    if (field == 'S') severity = std::move(value);
  }
  return severity == "FATAL" || severity == "PANIC";
}

bool PlausibleMessageStart(std::string_view head, uint64_t segment_length, bool frontend) {
  uint64_t pos = 0;
  int count = 0;
  while (pos + 5 <= head.size()) {
    std::string_view rest = head.substr(pos);
    char type = 0;
    uint32_t length = 0;
    if (ParseHeader(&rest, frontend, &type, &length) != ParseState::kSuccess) return false;
    pos += 1 + uint64_t{length};
    ++count;
  }
  if (pos < head.size()) {
    // A header cut by the capture: its first byte must at least be a type.
    std::string_view rest = head.substr(pos);
    char type = 0;
    uint32_t length = 0;
    if (ParseHeader(&rest, frontend, &type, &length) == ParseState::kInvalid) return false;
    return count >= 2 && head.size() < segment_length;
  }
  if (count == 0) return false;
  return pos == segment_length || (count >= 2 && pos <= segment_length);
}

bool EndsWithReadyForQuery(std::string_view captured_end, char* status) {
  if (captured_end.size() < 6) return false;
  std::string_view z = captured_end.substr(captured_end.size() - 6);
  if (z[0] != 'Z' || z[1] != 0 || z[2] != 0 || z[3] != 0 || z[4] != 5) return false;
  if (z[5] != 'I' && z[5] != 'T' && z[5] != 'E') return false;
  *status = z[5];
  return true;
}

bool LooksLikePostgresClient(std::string_view first_egress_bytes) {
  std::string_view buf = first_egress_bytes;
  uint32_t length = 0;
  uint32_t code = 0;
  if (ParseStartupHeader(&buf, &length, &code) != ParseState::kSuccess) return false;
  if (code == kSslRequestCode || code == kGssEncRequestCode || code == kCancelRequestCode) {
    return true;
  }
  if ((code >> 16) != kProtocolV3 >> 16) return false;  // 3.0, or 3.2 (PostgreSQL 18)
  // StartupMessage parameters: name\0value\0... ; "user" is required.
  std::string_view params = buf.substr(0, std::min<size_t>(buf.size(), length - 8));
  return params.empty() || params.find("user") != std::string_view::npos ||
         (params.size() < length - 8 && params[0] >= 'a' && params[0] <= 'z');
}

bool LooksLikePostgresQueryWrite(std::string_view head, uint64_t segment_length) {
  if (head.size() < 6 || (head[0] != 'Q' && head[0] != 'P')) return false;
  if (!PlausibleMessageStart(head, segment_length, true)) return false;
  // Parse starts with the statement name (a C string, often empty) before the SQL.
  size_t text = 5;
  if (head[0] == 'P') {
    const size_t nul = head.find('\0', text);
    if (nul == std::string_view::npos || nul - text > 64) return false;
    text = nul + 1;
  }
  if (text >= head.size()) return false;
  const char c = head[text];
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '(' || c == ' ' ||
         c == '\n' || c == '\t' || c == '-' || c == '/';
}

}  // namespace hostlens::protocols::postgres
