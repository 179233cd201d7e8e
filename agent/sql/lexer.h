#pragma once

// A hand-written SQL tokenizer for normalization: it tells literals (which must never reach
// labels, logs or APIs) from identifiers, keywords and punctuation, and nothing more. It never
// fails: malformed or truncated input still splits into tokens, and an unterminated literal,
// quoted identifier or comment swallows the rest of the input.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hostlens::sql {

enum class Dialect : uint8_t {
  kPostgres,  // "x" is an identifier; $n, $$..$$, E'..', nested /* */
  kMySql,     // "x" is a string; `x` an identifier; # comments; backslash escapes in strings
};

enum class TokenKind : uint8_t {
  kEnd,
  kWord,        // keyword or unquoted identifier, as written
  kQuotedName,  // "x", `x` (quotes included in text)
  kLiteral,     // string, number, boolean or bind placeholder; its text must not be copied
  kPunct,       // one byte of punctuation or operator
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;
  bool space_before = false;  // whitespace or a comment separated it from the previous token
  bool truncated = false;     // an unterminated literal, quoted name or comment ran to the end
};

// Copyable, so a caller can look ahead and come back.
class Lexer {
 public:
  Lexer(std::string_view sql, Dialect dialect) : sql_(sql), dialect_(dialect) {}

  Token Next();
  bool AtEnd() const { return pos_ >= sql_.size(); }

 private:
  bool SignStartsNumber() const;
  size_t SkipQuoted(size_t open, char quote, bool backslash_escapes) const;
  size_t SkipNumber(size_t start) const;

  std::string_view sql_;
  size_t pos_ = 0;
  Dialect dialect_;
  TokenKind last_kind_ = TokenKind::kEnd;
  std::string_view last_text_;
};

// ASCII case-insensitive equality; `upper` must be uppercase.
bool EqualsUpper(std::string_view text, std::string_view upper);

}  // namespace hostlens::sql
