#pragma once

// Turns a raw HTTP request-target into the http_route label. The label must have bounded
// cardinality (DESIGN: "Cardinality is bounded by construction") and must never carry query
// strings or other personal data, whatever the client sent.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::metrics {

struct RouteRules {
  // Configured routes, first match wins, e.g. "/api/users/{id}/" or "/files/{path*}".
  //  - "{name}" matches exactly one non-empty segment; "{name*}" (last segment only) matches the
  //    rest of the path, possibly empty, but the slash before it must be there: "/files/{p*}"
  //    matches "/files/" and "/files/a/b", not "/files".
  //  - Other segments compare exactly (raw, percent-encoding included).
  //  - A trailing slash is significant: "/a/{id}/" does not match "/a/1".
  //  - The route label is the pattern text itself.
  std::vector<std::string> patterns;
  // ECMAScript regexes searched (std::regex_search: anchor with ^ and $) in the normalized path
  // (query and fragment dropped, absolute-form reduced to its path, repeated slashes
  // collapsed). A matching request is not recorded at all.
  std::vector<std::string> exclude;
};

// Heuristic, used when no pattern matches: each path segment that looks like an id becomes
// "{id}"; the rest is kept. Id-like, whole segment only (so "v2", "api", "oauth2" stay):
//  - digits only ("42");
//  - digits with separators "-", "_", ":" or at least two dots ("2024-01-01", "10:30",
//    "555-123-4567", "10.0.0.1", "1.2.3"); a single dot is kept so "/api/1.0/" keeps its version;
//  - a leading ISO date "YYYY-MM-DD" ("2024-01-01T10:00:00Z", "2024-03-05-release-notes"):
//    dates grow without bound, one new value a day, which is exactly what an id is;
//  - UUIDs 8-4-4-4-12, any case; hex strings of 16 or more characters;
//  - tokens: 20+ characters of [A-Za-z0-9_-] where letters and digits interleave within a
//    "-"/"_"-separated run ("a1b", "9xK3": base64url, session ids), or three such parts joined
//    by dots (JWT). A name that merely contains a number switches letters/digits at most once
//    per run, so "application_settings_v2" and "how-to-install-debian-12" stay words (a
//    heuristic cannot tell a slug from a page name; the per-service series cap bounds both);
//  - anything with "@" or "%40": emails are personal data;
//  - anything with control bytes, spaces, DEL or invalid UTF-8, which must never reach a label.
// Also: query and fragment dropped, "*" stays "*", empty is "/", absolute-form
// ("http://host/p") uses its path, any other target without a leading slash (CONNECT's
// authority-form) is read as a path, repeated slashes collapse, the trailing slash is kept, and a
// route longer than kMaxRouteBytes keeps its leading segments that fit and ends in "/{...}".
// Percent-encoding is kept raw ("%2F" is part of its segment, not a separator).
//
// Order: exclude list, then patterns, then the heuristic. Patterns and excludes are compiled
// once in Create(); the per-request path uses no regex except the exclude list.
class RouteTemplater {
 public:
  static constexpr size_t kMaxRouteBytes = 200;
  static constexpr std::string_view kIdSegment = "{id}";
  static constexpr std::string_view kTruncatedSuffix = "/{...}";

  // nullopt and *error set if a pattern or regex is invalid; the config layer reports it.
  static std::optional<RouteTemplater> Create(const RouteRules& rules, std::string* error);

  // nullopt: the request is excluded. Otherwise the route label. Never throws.
  std::optional<std::string> Template(std::string_view target) const;

  // Whether one raw path segment becomes "{id}"; public so other labels can share the judgement.
  static bool IsIdLikeSegment(std::string_view segment);

 private:
  struct Pattern {
    struct Segment {
      std::string literal;  // empty: a "{name}" parameter
    };
    std::string text;
    std::vector<Segment> segments;  // before the wildcard, if any
    bool trailing_slash = false;
    bool wildcard = false;
  };
  struct Exclude {
    std::string source;
    std::string required_prefix;  // a path without it cannot match: skip the regex
    std::regex regex;
  };

  static bool ParsePattern(std::string_view text, Pattern* pattern, std::string* reason);
  static bool Matches(const Pattern& pattern, std::string_view path);
  bool Excluded(std::string_view path) const;

  std::vector<Pattern> patterns_;
  std::vector<Exclude> exclude_;
};

}  // namespace hostlens::metrics
