#pragma once

// Header field lines → the few facts the framing and the metrics need. Values are not kept:
// they may carry personal data (cookies, tokens) and nothing downstream reads them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hostlens::protocols::http1 {

struct HeaderFacts {
  std::optional<uint64_t> content_length;
  bool transfer_encoding = false;  // a Transfer-Encoding field is present
  bool chunked = false;            // and its final coding is "chunked"
  bool connection_close = false;
  bool upgrade = false;  // an Upgrade field is present
  bool upgrade_websocket = false;
  bool expect_continue = false;
  // The Host field as a lowercase "host" or "host:port" when it is one (a registered name, an
  // IPv4 address or a bracketed IPv6 literal, at most kMaxHostBytes); empty otherwise.
  std::string host;
};

inline constexpr size_t kMaxHostBytes = 255;

// One field line without its line end ("Name: value", or an obs-fold continuation starting with
// SP/HTAB, which is accepted and ignored). False when the line is malformed, or when its value
// contradicts the framing (bad or conflicting Content-Length).
bool ParseFieldLine(std::string_view line, HeaderFacts* facts);

// Whether an incomplete field line (no line end yet) can still become a valid one: lets a parser
// give up on garbage before buffering a whole header block of it.
bool IsValidFieldLinePrefix(std::string_view partial);

}  // namespace hostlens::protocols::http1
