#pragma once

// Byte classes of RFC 9110/9112 used by the HTTP/1.x grammar.

#include <string_view>

namespace hostlens::protocols::http1 {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

namespace detail {
// token characters: ALPHA, DIGIT and !#$%&'*+-.^_`|~ (a table: this runs per header byte).
struct TcharTable {
  bool is[256] = {};
  constexpr TcharTable() {
    for (int c = 'a'; c <= 'z'; ++c) is[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) is[c] = true;
    for (int c = '0'; c <= '9'; ++c) is[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) is[static_cast<unsigned char>(c)] = true;
  }
};
inline constexpr TcharTable kTchar{};
}  // namespace detail

inline bool IsTchar(char c) { return detail::kTchar.is[static_cast<unsigned char>(c)]; }

// Visible ASCII and obs-text: what may appear in a request-target (raw UTF-8 is common).
inline bool IsTargetChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u > 0x20 && u < 0x7f) || u >= 0x80;
}

// Field values and reason phrases: HTAB, SP, visible ASCII, obs-text.
inline bool IsFieldChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

inline char ToLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace hostlens::protocols::http1
