#include "agent/sql/lexer.h"

#include <array>

namespace hostlens::sql {
namespace {

enum : uint8_t { kSpace = 1, kIdentStart = 2, kIdentChar = 4, kDigit = 8 };

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    uint8_t bits = 0;
    // Control bytes separate tokens like whitespace: they are never part of a name.
    if (c <= ' ' || c == 0x7f) bits |= kSpace;
    // Bytes of UTF-8 sequences belong to names, as PostgreSQL and MySQL allow.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80) {
      bits |= kIdentStart | kIdentChar;
    }
    if (c >= '0' && c <= '9') bits |= kDigit | kIdentChar;
    if (c == '$') bits |= kIdentChar;
    classes[c] = bits;
  }
  return classes;
}

constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

inline bool Is(char c, uint8_t bits) { return kClasses[static_cast<uint8_t>(c)] & bits; }

inline char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

// Keywords after which "-1" is a negative number rather than a subtraction.
constexpr std::string_view kOperandKeywords[] = {
    "AND", "BETWEEN", "BY",       "CASE",   "DEFAULT", "ELSE",   "EXISTS", "HAVING",   "IN",
    "IS",  "LIKE",    "LIMIT",    "NOT",    "OFFSET",  "ON",     "OR",     "RETURN",   "SELECT",
    "SET", "THEN",    "TO",       "VALUES", "WHEN",    "WHERE",  "ILIKE",  "INTERVAL", "ALL",
    "ANY", "SOME",    "DISTINCT", "FETCH",  "ARRAY",   "ESCAPE", "SIMILAR"};

bool IsStringPrefix(std::string_view word, Dialect dialect) {
  if (word.size() == 1) {
    switch (Upper(word[0])) {
      case 'E':  // PostgreSQL escape string
      case 'B':  // bit string
      case 'X':  // hex string
      case 'N':  // national character string
        return true;
      default:
        return false;
    }
  }
  // MySQL character set introducer: _utf8mb4'text'
  return dialect == Dialect::kMySql && word[0] == '_';
}

}  // namespace

bool EqualsUpper(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (Upper(text[i]) != upper[i]) return false;
  }
  return true;
}

bool Lexer::SignStartsNumber() const {
  switch (last_kind_) {
    case TokenKind::kEnd:
      return true;
    case TokenKind::kPunct:
      return last_text_ != ")" && last_text_ != "]";
    case TokenKind::kWord:
      for (std::string_view keyword : kOperandKeywords) {
        if (EqualsUpper(last_text_, keyword)) return true;
      }
      return false;
    default:
      return false;
  }
}

// Returns the position after the closing quote, or npos when there is none.
size_t Lexer::SkipQuoted(size_t open, char quote, bool backslash_escapes) const {
  size_t i = open + 1;
  const size_t n = sql_.size();
  while (i < n) {
    char c = sql_[i];
    if (c == '\\' && backslash_escapes) {
      i += 2;
    } else if (c == quote) {
      if (i + 1 < n && sql_[i + 1] == quote) {
        i += 2;
      } else {
        return i + 1;
      }
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

// Digits, a fraction, an exponent, 0x/0b/0o prefixes, PostgreSQL 16's 1_000: and any name
// characters glued to them, so that no part of a malformed number is mistaken for a name.
size_t Lexer::SkipNumber(size_t i) const {
  const size_t n = sql_.size();
  while (i < n) {
    const char c = sql_[i];
    if (c == '.') {
      if (i + 1 < n && sql_[i + 1] == '.') break;  // a range, 1..2
    } else if (!Is(c, kIdentChar)) {
      break;
    }
    ++i;
    if ((c == 'e' || c == 'E') && i + 1 < n && (sql_[i] == '+' || sql_[i] == '-') &&
        Is(sql_[i + 1], kDigit)) {
      ++i;
    }
  }
  return i;
}

Token Lexer::Next() {
  Token token;
  const size_t n = sql_.size();
  // Whitespace and comments.
  while (pos_ < n) {
    char c = sql_[pos_];
    char next = pos_ + 1 < n ? sql_[pos_ + 1] : '\0';
    if (Is(c, kSpace)) {
      ++pos_;
    } else if ((c == '-' && next == '-') || (c == '#' && dialect_ == Dialect::kMySql)) {
      size_t eol = sql_.find('\n', pos_);
      pos_ = eol == std::string_view::npos ? n : eol + 1;
    } else if (c == '/' && next == '*') {
      int depth = 1;
      size_t i = pos_ + 2;
      const bool nested = dialect_ == Dialect::kPostgres;
      while (i < n && depth > 0) {
        if (sql_[i] == '*' && i + 1 < n && sql_[i + 1] == '/') {
          --depth;
          i += 2;
        } else if (nested && sql_[i] == '/' && i + 1 < n && sql_[i + 1] == '*') {
          ++depth;
          i += 2;
        } else {
          ++i;
        }
      }
      if (depth > 0) token.truncated = true;
      pos_ = i;
    } else {
      break;
    }
    token.space_before = true;
  }
  if (pos_ >= n) {
    token.kind = TokenKind::kEnd;
    return token;
  }

  const size_t start = pos_;
  const char c = sql_[pos_];
  const char next = pos_ + 1 < n ? sql_[pos_ + 1] : '\0';
  size_t end = start + 1;
  TokenKind kind = TokenKind::kPunct;

  if (Is(c, kIdentStart)) {
    while (end < n && Is(sql_[end], kIdentChar)) ++end;
    std::string_view word = sql_.substr(start, end - start);
    kind = TokenKind::kWord;
    if (end < n && sql_[end] == '\'' && IsStringPrefix(word, dialect_)) {
      bool escapes = dialect_ == Dialect::kMySql || Upper(word[0]) == 'E';
      end = SkipQuoted(end, '\'', escapes);
      kind = TokenKind::kLiteral;
    } else if (word.size() == 1 && Upper(c) == 'U' && end + 1 < n && sql_[end] == '&' &&
               sql_[end + 1] == '\'') {
      end = SkipQuoted(end + 1, '\'', false);
      kind = TokenKind::kLiteral;
    } else if (EqualsUpper(word, "TRUE") || EqualsUpper(word, "FALSE")) {
      kind = TokenKind::kLiteral;
    }
  } else if (Is(c, kDigit) || (c == '.' && Is(next, kDigit) && last_kind_ != TokenKind::kWord &&
                               last_kind_ != TokenKind::kQuotedName)) {
    end = SkipNumber(start + 1);
    kind = TokenKind::kLiteral;
  } else if ((c == '-' || c == '+') &&
             (Is(next, kDigit) || (next == '.' && pos_ + 2 < n && Is(sql_[pos_ + 2], kDigit))) &&
             SignStartsNumber()) {
    end = SkipNumber(start + 1);
    kind = TokenKind::kLiteral;
  } else if (c == '\'') {
    end = SkipQuoted(start, '\'', dialect_ == Dialect::kMySql);
    kind = TokenKind::kLiteral;
  } else if (c == '"') {
    if (dialect_ == Dialect::kMySql) {
      end = SkipQuoted(start, '"', true);
      kind = TokenKind::kLiteral;
    } else {
      end = SkipQuoted(start, '"', false);
      kind = TokenKind::kQuotedName;
    }
  } else if (c == '`') {
    end = SkipQuoted(start, '`', false);
    kind = TokenKind::kQuotedName;
  } else if (c == '$') {
    if (Is(next, kDigit)) {  // $1
      end = start + 1;
      while (end < n && Is(sql_[end], kDigit)) ++end;
      kind = TokenKind::kLiteral;
    } else if (dialect_ == Dialect::kPostgres) {
      // $tag$ ... $tag$, tag empty or a name without '$'
      size_t tag_end = start + 1;
      if (tag_end < n && Is(sql_[tag_end], kIdentStart)) {
        while (tag_end < n && Is(sql_[tag_end], kIdentChar) && sql_[tag_end] != '$') ++tag_end;
      }
      if (tag_end < n && sql_[tag_end] == '$') {
        std::string_view tag = sql_.substr(start, tag_end + 1 - start);
        size_t close = sql_.find(tag, tag_end + 1);
        end = close == std::string_view::npos ? close : close + tag.size();
        kind = TokenKind::kLiteral;
      } else if (tag_end == n) {
        end = std::string_view::npos;  // a cut-off tag: what follows could be the string
        kind = TokenKind::kLiteral;
      }
    }
  } else if (c == '?') {
    kind = TokenKind::kLiteral;
  } else if (c == ':' && Is(next, kIdentStart) &&
             (start == 0 || (sql_[start - 1] != ':' && !Is(sql_[start - 1], kIdentChar) &&
                             sql_[start - 1] != ']' && sql_[start - 1] != ')'))) {
    end = start + 1;  // :name
    while (end < n && Is(sql_[end], kIdentChar)) ++end;
    kind = TokenKind::kLiteral;
  } else if (c == '%') {
    // %s and psycopg's %b, unless glued to an operand: a%b is a modulo.
    const bool after_operand =
        start > 0 && (Is(sql_[start - 1], kIdentChar) || sql_[start - 1] == ')');
    if ((next == 's' || next == 'b') && !after_operand &&
        (start + 2 >= n || !Is(sql_[start + 2], kIdentChar))) {
      end = start + 2;  // %s
      kind = TokenKind::kLiteral;
    } else if (next == '(') {  // %(name)s
      size_t close = start + 2;
      while (close < n && Is(sql_[close], kIdentChar)) ++close;
      if (close + 1 < n && sql_[close] == ')' && sql_[close + 1] == 's') {
        end = close + 2;
        kind = TokenKind::kLiteral;
      } else if (close >= n - 1) {
        end = std::string_view::npos;  // cut inside the placeholder
      }
    }
  }

  if (end == std::string_view::npos) {
    // Unterminated quotes: whatever follows may be the literal's content, so it is all hidden,
    // quoted names included (in the other dialect "x" is a string).
    end = n;
    kind = TokenKind::kLiteral;
    token.truncated = true;
  }
  if (end > n) end = n;
  pos_ = end;
  token.kind = kind;
  token.text = sql_.substr(start, end - start);
  last_kind_ = kind;
  last_text_ = token.text;
  return token;
}

}  // namespace hostlens::sql
