#include "agent/metrics/route_template.h"

#include <algorithm>
#include <utility>

#include "agent/metrics/bounded_regex.h"

namespace hostlens::metrics {
namespace {

// libstdc++'s std::regex recurses per input character: "^/(a|b)*$" needs about 1.5 MB of stack
// for 2048 bytes and overflows an 8 MB stack near 20000. Request-targets come from a bounded BPF
// copy anyway; past this size a path is searched by its prefix, where "$" does not match.
constexpr size_t kMaxExcludeInputBytes = 2048;

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHexLetter(unsigned char c) { return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsHex(unsigned char c) { return IsDigit(c) || IsHexLetter(c); }

// Valid UTF-8 whose code points can all be printed: no C0/C1 controls, space or DEL, no
// overlong forms, surrogates or code points past U+10FFFF.
bool IsPrintableUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c <= 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t length;
    uint32_t code_point;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
      code_point = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      code_point = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      code_point = c & 0x07;
    } else {
      return false;  // continuation byte first, or a lead byte that only overlongs use
    }
    if (s.size() - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto continuation = static_cast<unsigned char>(s[i + k]);
      if ((continuation & 0xc0) != 0x80) return false;
      code_point = (code_point << 6) | (continuation & 0x3f);
    }
    const bool overlong =
        (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
    if (overlong || code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff) ||
        (code_point >= 0x80 && code_point <= 0x9f)) {
      return false;
    }
    i += length;
  }
  return true;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? s[i] != '-' : !IsHex(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// "YYYY-MM-DD" at the start, whatever follows (a time, a slug).
bool StartsWithIsoDate(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!IsDigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The request-target reduced to its path: absolute-form ("http://host/p?q") loses its scheme and
// authority, and the query and fragment go. The result may be empty or lack a leading slash.
std::string_view PathOf(std::string_view target) {
  if (!target.empty() && target.front() != '/' && IsAlpha(static_cast<unsigned char>(target[0]))) {
    // RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://".
    size_t i = 1;
    while (i < target.size()) {
      const auto c = static_cast<unsigned char>(target[i]);
      if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') break;
      ++i;
    }
    if (target.substr(i, 3) == "://") {
      const size_t path_start = target.find_first_of("/?#", i + 3);
      target =
          path_start == std::string_view::npos ? std::string_view() : target.substr(path_start);
    }
  }
  return target.substr(0, target.find_first_of("?#"));
}

// A leading slash and no empty segments. Returns `path` itself when it already is so (the common
// case, no allocation), else a view of *storage.
std::string_view NormalizePath(std::string_view path, std::string* storage) {
  if (path.empty()) return "/";
  if (path.front() == '/' && path.find("//") == std::string_view::npos) return path;
  storage->clear();
  storage->reserve(path.size() + 1);
  storage->push_back('/');
  for (const char c : path) {
    if (c != '/' || storage->back() != '/') storage->push_back(c);
  }
  return *storage;
}

// Walks the segments of a normalized path ("/a/b/" gives "a", "b").
class SegmentCursor {
 public:
  explicit SegmentCursor(std::string_view normalized_path) : path_(normalized_path) {}

  bool Next(std::string_view* segment) {
    if (position_ >= path_.size()) return false;
    size_t end = path_.find('/', position_);
    if (end == std::string_view::npos) end = path_.size();
    *segment = path_.substr(position_, end - position_);
    position_ = end + 1;
    return !segment->empty();
  }
  // True once the segments read so far were followed by a slash: for "/a/" after "a", for "/a"
  // after nothing. This is where a "{name*}" wildcard may start.
  bool AtSlash() const { return position_ <= path_.size(); }
  bool AtEnd() const { return position_ >= path_.size(); }

 private:
  std::string_view path_;
  size_t position_ = 1;  // past the leading slash
};

bool IsParameterName(std::string_view name) {
  if (name.empty() || IsDigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return IsAlpha(u) || IsDigit(u) || c == '_';
  });
}

// The literal text every match of `regex` starts the path with ("/static/" for "^/static/.*"),
// or "" when that cannot be told simply. A std::regex search costs about 0.5 us even on a short
// path; comparing the prefix first spares it for most requests with the usual "^/healthz$" or
// "^/static/" excludes.
std::string RequiredPrefix(std::string_view regex) {
  if (regex.empty() || regex.front() != '^') return "";
  // "^a|b" anchors only its first alternative: no prefix unless every "|" sits in a group.
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return "";
    }
  }
  constexpr std::string_view kSpecial = "\\^$.|?*+()[]{}";
  std::string prefix;
  size_t i = 1;
  while (i < regex.size() && kSpecial.find(regex[i]) == std::string_view::npos) {
    prefix.push_back(regex[i++]);
  }
  // A quantifier makes the character before it optional ("^/healthz?$" requires "/health").
  if (i < regex.size() && std::string_view("?*+{").find(regex[i]) != std::string_view::npos &&
      !prefix.empty()) {
    prefix.pop_back();
  }
  return prefix;
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

bool RouteTemplater::IsIdLikeSegment(std::string_view s) {
  if (s.empty()) return false;
  size_t digits = 0;
  size_t letters = 0;
  size_t hex_letters = 0;
  size_t dots = 0;
  size_t numeric_separators = 0;  // '-', '_', ':'
  bool ascii = true;
  bool token_chars_only = true;    // [A-Za-z0-9_-]
  bool token_or_dot_only = true;   // [A-Za-z0-9_.-]
  bool numeric_chars_only = true;  // [0-9._:-]
  // Random tokens interleave letters and digits ("a1b2", "9xK3"); names that merely contain a
  // number ("v2", "oauth2", "sha256", "debian-12") switch between them at most once per run
  // (a run is the text between "-", "_", "." or ":").
  bool interleaved = false;
  int run_switches = 0;
  enum class Kind { kNone, kLetter, kDigit } run_kind = Kind::kNone;
  const auto see = [&](Kind kind) {
    if (kind == Kind::kNone) {
      run_switches = 0;
    } else if (run_kind != Kind::kNone && run_kind != kind && ++run_switches >= 2) {
      interleaved = true;
    }
    run_kind = kind;
  };
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      ascii = false;
      token_chars_only = token_or_dot_only = numeric_chars_only = false;
    } else if (c <= 0x20 || c == 0x7f || c == '@') {
      return true;
    } else if (IsDigit(c)) {
      ++digits;
      see(Kind::kDigit);
    } else if (IsAlpha(c)) {
      ++letters;
      if (IsHexLetter(c)) ++hex_letters;
      numeric_chars_only = false;
      see(Kind::kLetter);
    } else if (c == '-' || c == '_') {
      ++numeric_separators;
      see(Kind::kNone);
    } else if (c == ':') {
      ++numeric_separators;
      token_chars_only = token_or_dot_only = false;
      see(Kind::kNone);
    } else if (c == '.') {
      ++dots;
      token_chars_only = false;
      see(Kind::kNone);
    } else {
      token_chars_only = token_or_dot_only = numeric_chars_only = false;
    }
  }
  if (!ascii && !IsPrintableUtf8(s)) return true;
  if (digits == s.size()) return true;
  if (numeric_chars_only && digits > 0 && (numeric_separators > 0 || dots >= 2)) return true;
  if (StartsWithIsoDate(s)) return true;
  if (digits + hex_letters == s.size() && s.size() >= 16) return true;
  if (IsUuid(s)) return true;
  const bool token_mix = s.size() >= 20 && interleaved;
  if (token_mix && token_chars_only) return true;
  if (token_mix && token_or_dot_only && dots == 2 && s.front() != '.' && s.back() != '.' &&
      s.find("..") == std::string_view::npos) {
    return true;  // header.payload.signature
  }
  return s.find("%40") != std::string_view::npos;  // an escaped "@": an email
}

bool RouteTemplater::ParsePattern(std::string_view text, Pattern* pattern, std::string* reason) {
  if (text.empty() || text.front() != '/') {
    *reason = "must start with \"/\"";
    return false;
  }
  if (text.size() > kMaxRouteBytes) {
    *reason = "longer than " + std::to_string(kMaxRouteBytes) + " bytes";
    return false;
  }
  if (text.find_first_of("?#") != std::string_view::npos) {
    *reason = "query strings and fragments are never part of a route";
    return false;
  }
  // The pattern text becomes the label as is, so it must be as clean as a templated one.
  if (!IsPrintableUtf8(text)) {
    *reason = "contains spaces, control characters or invalid UTF-8";
    return false;
  }
  pattern->text = std::string(text);
  std::string_view rest = text.substr(1);
  while (!rest.empty()) {
    const size_t end = rest.find('/');
    const std::string_view segment = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (end != std::string_view::npos && rest.empty()) pattern->trailing_slash = true;
    if (segment.empty()) {
      *reason = "empty segment (\"//\")";
      return false;
    }
    if (pattern->wildcard) {
      *reason = "a {name*} wildcard must be the last segment";
      return false;
    }
    if (segment.find_first_of("{}") == std::string_view::npos) {
      pattern->segments.push_back({std::string(segment)});
      continue;
    }
    if (segment.size() < 2 || segment.front() != '{' || segment.back() != '}') {
      *reason =
          "a parameter must be a whole segment, \"{name}\" or \"{name*}\": " + Quoted(segment);
      return false;
    }
    std::string_view name = segment.substr(1, segment.size() - 2);
    if (!name.empty() && name.back() == '*') {
      pattern->wildcard = true;
      name.remove_suffix(1);
    }
    if (!IsParameterName(name)) {
      *reason = "invalid parameter name in " + Quoted(segment) +
                " (letters, digits and \"_\", not starting with a digit)";
      return false;
    }
    if (!pattern->wildcard) pattern->segments.push_back({std::string()});
  }
  if (text == "/") pattern->trailing_slash = true;
  if (pattern->wildcard && pattern->trailing_slash) {
    *reason = "a {name*} wildcard must be the last segment";
    return false;
  }
  return true;
}

std::optional<RouteTemplater> RouteTemplater::Create(const RouteRules& rules, std::string* error) {
  RouteTemplater templater;
  for (const std::string& text : rules.patterns) {
    Pattern pattern;
    std::string reason;
    if (!ParsePattern(text, &pattern, &reason)) {
      *error = "invalid route pattern " + Quoted(text) + ": " + reason;
      return std::nullopt;
    }
    templater.patterns_.push_back(std::move(pattern));
  }
  for (const std::string& source : rules.exclude) {
    if (source.empty()) {
      *error = "invalid route exclude regex \"\": it would exclude every request";
      return std::nullopt;
    }
    std::string why;
    auto regex =
        CompileBoundedRegex(source, std::regex::ECMAScript | std::regex::optimize, &why);
    if (!regex) {
      *error = "invalid route exclude regex " + Quoted(source) + ": " + why;
      return std::nullopt;
    }
    templater.exclude_.push_back({source, RequiredPrefix(source), *regex});
  }
  return templater;
}

bool RouteTemplater::Matches(const Pattern& pattern, std::string_view path) {
  SegmentCursor cursor(path);
  std::string_view segment;
  for (const Pattern::Segment& expected : pattern.segments) {
    if (!cursor.Next(&segment)) return false;
    if (!expected.literal.empty() && segment != expected.literal) return false;
  }
  if (pattern.wildcard) return cursor.AtSlash();
  // Everything consumed, and followed by a slash exactly when the pattern has one.
  return pattern.trailing_slash ? cursor.AtSlash() && cursor.AtEnd() : !cursor.AtSlash();
}

bool RouteTemplater::Excluded(std::string_view path) const {
  if (exclude_.empty()) return false;
  const std::string_view input = path.substr(0, kMaxExcludeInputBytes);
  const auto flags = input.size() < path.size() ? std::regex_constants::match_not_eol
                                                : std::regex_constants::match_default;
  for (const Exclude& exclude : exclude_) {
    if (!path.starts_with(exclude.required_prefix)) continue;
    try {
      if (std::regex_search(input.begin(), input.end(), exclude.regex, flags)) return true;
    } catch (const std::regex_error&) {
      // error_complexity / error_stack: this path cannot be judged; record it rather than throw
      // on the event loop.
    }
  }
  return false;
}

std::optional<std::string> RouteTemplater::Template(std::string_view target) const {
  std::string storage;
  const std::string_view path_only = PathOf(target);
  if (path_only == "*") {
    if (Excluded(path_only)) return std::nullopt;
    return std::string("*");
  }
  const std::string_view path = NormalizePath(path_only, &storage);
  if (Excluded(path)) return std::nullopt;
  for (const Pattern& pattern : patterns_) {
    if (Matches(pattern, path)) return pattern.text;
  }

  std::string route;
  route.reserve(std::min(path.size(), kMaxRouteBytes) + kIdSegment.size());
  SegmentCursor cursor(path);
  std::string_view segment;
  // Building stops once past the cap: the route will be truncated anyway, and a path of many
  // kilobytes should not cost as much.
  while (route.size() <= kMaxRouteBytes && cursor.Next(&segment)) {
    route.push_back('/');
    route.append(IsIdLikeSegment(segment) ? kIdSegment : segment);
  }
  if (route.empty() || path.back() == '/') route.push_back('/');
  if (route.size() > kMaxRouteBytes) {
    // Cut at a segment boundary so no segment (or UTF-8 sequence) is split.
    const size_t cut = route.rfind('/', kMaxRouteBytes - kTruncatedSuffix.size());
    route.resize(cut);
    route.append(kTruncatedSuffix);
  }
  return route;
}

}  // namespace hostlens::metrics
