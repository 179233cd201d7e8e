#include "agent/protocols/http1/start_line.h"

#include "agent/protocols/http1/char_class.h"
#include "agent/protocols/http1/limits.h"

namespace hostlens::protocols::http1 {
namespace {

constexpr std::string_view kVersionPrefix = "HTTP/1.";

// Standard methods and the extension methods seen in practice (WebDAV, M-SEARCH, PURGE) are
// uppercase letters, digits, '-' and '_'; being stricter than `token` keeps resync from taking
// lowercase text for a request.
bool IsMethodChar(char c, bool first) {
  if (c >= 'A' && c <= 'Z') return true;
  if (first) return false;
  return IsDigit(c) || c == '-' || c == '_';
}

// Matches "HTTP/1.x" at text[*i]; on kYes advances *i past it.
LineMatch MatchVersion(std::string_view text, size_t* i, int* minor_version) {
  for (char expected : kVersionPrefix) {
    if (*i == text.size()) return LineMatch::kNeedMore;
    if (text[*i] != expected) return LineMatch::kNo;
    ++*i;
  }
  if (*i == text.size()) return LineMatch::kNeedMore;
  if (!IsDigit(text[*i])) return LineMatch::kNo;
  *minor_version = text[*i] - '0';
  ++*i;
  return LineMatch::kYes;
}

// Matches CRLF or a bare LF at text[*i].
LineMatch MatchLineEnd(std::string_view text, size_t* i) {
  if (*i == text.size()) return LineMatch::kNeedMore;
  if (text[*i] == '\r') {
    ++*i;
    if (*i == text.size()) return LineMatch::kNeedMore;
  }
  if (text[*i] != '\n') return LineMatch::kNo;
  ++*i;
  return LineMatch::kYes;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

}  // namespace

LineMatch MatchRequestLine(std::string_view text, RequestLine* out) {
  *out = RequestLine{};
  size_t i = 0;
  while (i < text.size() && IsMethodChar(text[i], i == 0)) {
    if (++i > kMaxMethodBytes) return LineMatch::kNo;
  }
  if (i == text.size()) return LineMatch::kNeedMore;
  if (i == 0 || text[i] != ' ') return LineMatch::kNo;
  out->method = text.substr(0, i);
  ++i;

  size_t target_start = i;
  if (i == text.size()) return LineMatch::kNeedMore;
  char first = text[i];
  bool alnum = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || IsDigit(first);
  // origin-form, asterisk-form, absolute-form ("http://...") or authority-form ("host:port").
  if (first != '/' && first != '*' && !alnum) return LineMatch::kNo;
  while (i < text.size() && IsTargetChar(text[i])) ++i;
  out->target = text.substr(target_start, i - target_start);
  if (i == text.size()) return LineMatch::kNeedMore;
  if (text[i] != ' ') return LineMatch::kNo;
  ++i;

  if (LineMatch m = MatchVersion(text, &i, &out->minor_version); m != LineMatch::kYes) return m;
  if (LineMatch m = MatchLineEnd(text, &i); m != LineMatch::kYes) return m;
  out->size = i;
  return LineMatch::kYes;
}

LineMatch MatchResponseLine(std::string_view text, ResponseLine* out) {
  *out = ResponseLine{};
  size_t i = 0;
  if (LineMatch m = MatchVersion(text, &i, &out->minor_version); m != LineMatch::kYes) return m;
  if (i == text.size()) return LineMatch::kNeedMore;
  if (text[i] != ' ') return LineMatch::kNo;
  ++i;
  int status = 0;
  for (int digit = 0; digit < 3; ++digit, ++i) {
    if (i == text.size()) return LineMatch::kNeedMore;
    if (!IsDigit(text[i]) || (digit == 0 && text[i] == '0')) return LineMatch::kNo;
    status = status * 10 + (text[i] - '0');
  }
  if (i < text.size() && text[i] != ' ' && text[i] != '\r' && text[i] != '\n') {
    return LineMatch::kNo;
  }
  out->status = status;
  if (i < text.size() && text[i] == ' ') {
    ++i;
    while (i < text.size() && text[i] != '\r' && text[i] != '\n') {
      if (!IsFieldChar(text[i])) return LineMatch::kNo;
      ++i;
    }
  }
  if (LineMatch m = MatchLineEnd(text, &i); m != LineMatch::kYes) return m;
  out->size = i;
  return LineMatch::kYes;
}

bool IsPlausibleCutRequestLine(const RequestLine& seen) {
  if (seen.method.empty() || seen.target.empty()) return false;
  char first = seen.target.front();
  if (first == '/' || first == '*' || seen.method == "CONNECT") return true;
  return StartsWithIgnoreCase(seen.target, "http://") ||
         StartsWithIgnoreCase(seen.target, "https://");
}

bool IsPlausibleCutResponseLine(const ResponseLine& seen) { return seen.status != 0; }

}  // namespace hostlens::protocols::http1
