#include "agent/protocols/http1/header_fields.h"

#include "agent/protocols/http1/char_class.h"

namespace hostlens::protocols::http1 {
namespace {

// 10^18 bytes is far beyond any real body and keeps the arithmetic clear of overflow.
constexpr size_t kMaxContentLengthDigits = 18;

// "12" or a list of identical values ("12, 12", which some proxies produce).
bool ParseContentLength(std::string_view value, uint64_t* out) {
  bool seen = false;
  uint64_t result = 0;
  while (true) {
    size_t comma = value.find(',');
    std::string_view element = TrimOws(value.substr(0, comma));
    if (element.empty() || element.size() > kMaxContentLengthDigits) return false;
    uint64_t n = 0;
    for (char c : element) {
      if (!IsDigit(c)) return false;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (seen && n != result) return false;
    seen = true;
    result = n;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  *out = result;
  return true;
}

// Calls fn(element) for each trimmed, non-empty element of a comma-separated list.
template <typename Fn>
void ForEachListElement(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view element = TrimOws(value.substr(0, comma));
    if (!element.empty()) fn(element);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// "api.example:8443", "10.0.0.1", "[::1]:80" → itself, lowercased; anything else → "".
std::string HostAuthority(std::string_view value) {
  value = TrimOws(value);
  if (value.empty() || value.size() > kMaxHostBytes) return {};
  std::string out;
  out.reserve(value.size());
  size_t i = 0;
  if (value[0] == '[') {
    const size_t close = value.find(']');
    if (close == std::string_view::npos || close == 1) return {};
    for (; i <= close; ++i) {
      const char c = value[i];
      if (!(IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
            c == '.' || (i == 0 && c == '[') || (i == close && c == ']'))) {
        return {};
      }
      out += static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
  } else {
    for (; i < value.size() && value[i] != ':'; ++i) {
      const char c = value[i];
      if (!(IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
            c == '.' || c == '_')) {
        return {};
      }
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (out.empty()) return {};
  }
  if (i == value.size()) return out;
  if (value[i] != ':' || i + 1 == value.size() || value.size() - i - 1 > 5) return {};
  for (size_t j = i + 1; j < value.size(); ++j) {
    if (!IsDigit(value[j])) return {};
  }
  out.append(value.substr(i));
  return out;
}

bool ApplyField(std::string_view name, std::string_view value, HeaderFacts* facts) {
  if (EqualsIgnoreCase(name, "content-length")) {
    uint64_t length = 0;
    if (!ParseContentLength(value, &length)) return false;
    if (facts->content_length && *facts->content_length != length) return false;
    facts->content_length = length;
  } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
    // Codings of later fields follow those of earlier ones, so the final coding is the last
    // element of the last field that has one.
    ForEachListElement(value, [&](std::string_view coding) {
      facts->transfer_encoding = true;
      facts->chunked = EqualsIgnoreCase(coding, "chunked");
    });
  } else if (EqualsIgnoreCase(name, "connection")) {
    ForEachListElement(value, [&](std::string_view option) {
      if (EqualsIgnoreCase(option, "close")) facts->connection_close = true;
    });
  } else if (EqualsIgnoreCase(name, "upgrade")) {
    facts->upgrade = true;
    ForEachListElement(value, [&](std::string_view protocol) {
      if (EqualsIgnoreCase(protocol.substr(0, protocol.find('/')), "websocket")) {
        facts->upgrade_websocket = true;
      }
    });
  } else if (EqualsIgnoreCase(name, "expect")) {
    if (EqualsIgnoreCase(TrimOws(value), "100-continue")) facts->expect_continue = true;
  } else if (EqualsIgnoreCase(name, "host")) {
    facts->host = HostAuthority(value);
  }
  return true;
}

bool AllFieldChars(std::string_view s) {
  for (char c : s) {
    if (!IsFieldChar(c)) return false;
  }
  return true;
}

}  // namespace

bool ParseFieldLine(std::string_view line, HeaderFacts* facts) {
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) return AllFieldChars(line);
  size_t colon = 0;
  while (colon < line.size() && IsTchar(line[colon])) ++colon;
  if (colon == 0 || colon == line.size() || line[colon] != ':') return false;
  std::string_view value = line.substr(colon + 1);
  if (!AllFieldChars(value)) return false;
  return ApplyField(line.substr(0, colon), TrimOws(value), facts);
}

bool IsValidFieldLinePrefix(std::string_view partial) {
  if (!partial.empty() && partial.back() == '\r') partial.remove_suffix(1);  // CR of the CRLF
  if (partial.empty()) return true;
  if (partial.front() == ' ' || partial.front() == '\t') return AllFieldChars(partial);
  size_t colon = 0;
  while (colon < partial.size() && IsTchar(partial[colon])) ++colon;
  if (colon == partial.size()) return true;
  if (colon == 0 || partial[colon] != ':') return false;
  return AllFieldChars(partial.substr(colon + 1));
}

}  // namespace hostlens::protocols::http1
