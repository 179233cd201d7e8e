#include "agent/protocols/redis/parse.h"

#include <algorithm>
#include <array>

#include "agent/protocols/redis/limits.h"

namespace hostlens::protocols::redis {

bool IsTypeByte(char c) {
  switch (c) {
    case '+':
    case '-':
    case ':':
    case '$':
    case '*':  // RESP2
    case '_':
    case ',':
    case '#':
    case '(':
    case '!':
    case '=':
    case '%':
    case '~':  // RESP3
    case '>':
    case '|':
      return true;
    default:
      return false;
  }
}

bool IsLengthType(char c) {
  switch (c) {
    case '$':
    case '=':
    case '!':
    case '*':
    case '%':
    case '~':
    case '>':
    case '|':
      return true;
    default:
      return false;
  }
}

bool ParseDecimal(std::string_view line, int64_t* value) {
  bool negative = !line.empty() && line[0] == '-';
  if (negative) line.remove_prefix(1);
  if (line.empty() || line.size() > 19) return false;
  // The full signed 64-bit range: up to 9223372036854775807, and -9223372036854775808.
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t v = 0;
  for (char c : line) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (limit - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *value = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool ParseLengthLine(char type, std::string_view line, int64_t* value) {
  int64_t v = 0;
  if (line.size() > kMaxHeaderLine || !ParseDecimal(line, &v)) return false;
  const bool may_be_null = type == '$' || type == '*';
  if (v < (may_be_null ? -1 : 0)) return false;
  if (v > (type == '$' || type == '=' || type == '!' ? kMaxBulkLength : kMaxElements)) return false;
  *value = v;
  return true;
}

ParseState ParseHeaderLine(std::string_view* buf, char* type, int64_t* value) {
  if (buf->empty()) return ParseState::kNeedsMoreData;
  char t = (*buf)[0];
  if (!IsTypeByte(t)) return ParseState::kInvalid;
  size_t lf = buf->find('\n');
  if (lf == std::string_view::npos) {
    if (IsLengthType(t) || t == ':') {
      if (buf->size() > kMaxHeaderLine + 2) return ParseState::kInvalid;
    }
    return ParseState::kNeedsMoreData;
  }
  if (lf < 2 || (*buf)[lf - 1] != '\r') return ParseState::kInvalid;
  std::string_view line = buf->substr(1, lf - 2);
  int64_t v = 0;
  if (IsLengthType(t)) {
    if (!ParseLengthLine(t, line, &v)) return ParseState::kInvalid;
  } else if (t == ':') {
    if (line.size() > kMaxHeaderLine || !ParseDecimal(line, &v)) return ParseState::kInvalid;
  } else if (t == '_' && !line.empty()) {
    return ParseState::kInvalid;
  } else if (t == '#' && line != "t" && line != "f") {
    return ParseState::kInvalid;
  }
  *type = t;
  *value = v;
  buf->remove_prefix(lf + 1);
  return ParseState::kSuccess;
}

std::string ErrorType(std::string_view line) {
  size_t end = line.find_first_of(" \r\n");
  std::string_view word = line.substr(0, end);
  return std::string(word.substr(0, kMaxErrorTypeBytes));
}

std::string NormalizeName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return "_OTHER";
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '|' || c == '-';
    if (!ok) return "_OTHER";
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

// Commands an inline client (telnet, redis-benchmark's inline mode, health checks) would send.
constexpr std::array<std::string_view, 40> kInlineCommands = {
    "PING", "GET",     "SET",      "DEL",      "EXISTS", "INCR",   "DECR",   "MGET",
    "MSET", "HGET",    "HSET",     "HGETALL",  "HMGET",  "LPUSH",  "RPUSH",  "LPOP",
    "RPOP", "LRANGE",  "SADD",     "SMEMBERS", "ZADD",   "ZRANGE", "EXPIRE", "TTL",
    "KEYS", "SCAN",    "INFO",     "AUTH",     "SELECT", "HELLO",  "CLIENT", "CONFIG",
    "QUIT", "FLUSHDB", "FLUSHALL", "DBSIZE",   "ECHO",   "MULTI",  "EXEC",   "SUBSCRIBE"};

}  // namespace

PubSubKind ClassifyPubSub(std::string_view s) {
  if (EqualsIgnoreCase(s, "message") || EqualsIgnoreCase(s, "pmessage") ||
      EqualsIgnoreCase(s, "smessage")) {
    return PubSubKind::kMessage;
  }
  if (EqualsIgnoreCase(s, "subscribe") || EqualsIgnoreCase(s, "psubscribe") ||
      EqualsIgnoreCase(s, "ssubscribe")) {
    return PubSubKind::kSubscribe;
  }
  if (EqualsIgnoreCase(s, "unsubscribe") || EqualsIgnoreCase(s, "punsubscribe") ||
      EqualsIgnoreCase(s, "sunsubscribe")) {
    return PubSubKind::kUnsubscribe;
  }
  return PubSubKind::kNone;
}

bool PlausibleMessageStart(std::string_view head, uint64_t segment_length, bool commands) {
  if (head.empty()) return false;
  if (commands) {
    if (LooksLikeRedisCommand(head)) return true;
    // A head too short to hold the name, cut by a gap: "*N\r\n$len\r\n" and a name prefix.
    std::string_view buf = head;
    char type = 0;
    int64_t count = 0, length = 0;
    if (segment_length <= head.size() || head[0] != '*' ||
        ParseHeaderLine(&buf, &type, &count) != ParseState::kSuccess || count < 1) {
      return false;
    }
    if (buf.empty()) return true;
    if (buf[0] != '$') return false;
    ParseState state = ParseHeaderLine(&buf, &type, &length);
    if (state == ParseState::kNeedsMoreData) return true;
    if (state != ParseState::kSuccess || length < 1 ||
        static_cast<size_t>(length) > kMaxNameBytes || buf.size() >= static_cast<size_t>(length)) {
      return false;
    }
    return buf.empty() || NormalizeName(buf) != "_OTHER";
  }
  std::string_view buf = head;
  char type = 0;
  int64_t value = 0;
  return ParseHeaderLine(&buf, &type, &value) == ParseState::kSuccess;
}

bool LooksLikeRedisCommand(std::string_view bytes) {
  if (bytes.empty()) return false;
  if (bytes[0] == '*') {
    std::string_view buf = bytes;
    char type = 0;
    int64_t count = 0;
    if (ParseHeaderLine(&buf, &type, &count) != ParseState::kSuccess || count < 1) return false;
    int64_t length = 0;
    if (buf.empty() || buf[0] != '$' ||
        ParseHeaderLine(&buf, &type, &length) != ParseState::kSuccess || length < 1 ||
        static_cast<size_t>(length) > kMaxNameBytes) {
      return false;
    }
    std::string_view name = buf.substr(0, static_cast<size_t>(length));
    return NormalizeName(name) != "_OTHER";
  }
  size_t end = bytes.find_first_of(" \r\n");
  if (end == std::string_view::npos) return false;
  std::string_view word = bytes.substr(0, end);
  return std::any_of(kInlineCommands.begin(), kInlineCommands.end(),
                     [&](std::string_view c) { return EqualsIgnoreCase(word, c); });
}

}  // namespace hostlens::protocols::redis
