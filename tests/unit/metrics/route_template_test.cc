#include "agent/metrics/route_template.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <unordered_set>

#include "agent/metrics/series_limiter.h"

namespace hostlens::metrics {
namespace {

using namespace std::string_view_literals;

struct RouteCase {
  const char* name;
  std::string_view target;
  std::string_view route;
};

std::string CaseName(const testing::TestParamInfo<RouteCase>& info) { return info.param.name; }

RouteRules Rules(std::vector<std::string> patterns, std::vector<std::string> exclude = {}) {
  return RouteRules{std::move(patterns), std::move(exclude)};
}

RouteTemplater MustCreate(const RouteRules& rules) {
  std::string error;
  std::optional<RouteTemplater> templater = RouteTemplater::Create(rules, &error);
  EXPECT_TRUE(templater.has_value()) << error;
  return templater.value_or(*RouteTemplater::Create({}, &error));
}

// --- Heuristic -----------------------------------------------------------------------------

class HeuristicTest : public testing::TestWithParam<RouteCase> {};

TEST_P(HeuristicTest, TemplatesTarget) {
  const RouteTemplater templater = MustCreate({});
  EXPECT_EQ(templater.Template(GetParam().target), GetParam().route);
}

constexpr RouteCase kHeuristicCases[] = {
    // Shapes of the request-target.
    {"Root", "/", "/"},
    {"EmptyIsRoot", "", "/"},
    {"AsteriskFormStays", "*", "*"},
    {"QueryDropped", "/search?q=my+secret+query", "/search"},
    {"QueryDroppedAfterId", "/users/42?token=abc", "/users/{id}"},
    {"FragmentDropped", "/docs/intro#install", "/docs/intro"},
    {"FragmentAfterQueryDropped", "/docs?a=1#b", "/docs"},
    {"QueryOnlyIsRoot", "?x=1", "/"},
    {"QuestionMarkInsideFragmentDropped", "/a#frag?x", "/a"},
    {"AbsoluteForm", "http://example.com/api/users/42", "/api/users/{id}"},
    {"AbsoluteFormSchemeAnyCaseAndPort", "HTTPS://Example.com:8443/x/", "/x/"},
    {"AbsoluteFormWithoutPath", "http://example.com", "/"},
    {"AbsoluteFormQueryWithoutPath", "http://example.com?a=1", "/"},
    {"AuthorityFormIsAPath", "example.com:443", "/example.com:443"},
    {"DoubleSlashesCollapse", "//api///users//42", "/api/users/{id}"},
    {"OnlySlashesAreRoot", "///", "/"},
    {"TrailingSlashKept", "/api/users/", "/api/users/"},
    {"RepeatedTrailingSlashesCollapse", "/api/users//", "/api/users/"},
    // Words stay.
    {"WordsKept", "/api/users", "/api/users"},
    {"VersionPrefixKept", "/api/v2/users", "/api/v2/users"},
    {"DottedVersionKept", "/api/1.0/items", "/api/1.0/items"},
    {"NumberInsideWordKept", "/oauth2/callback/page2", "/oauth2/callback/page2"},
    {"ShortHexWordKept", "/cafe/deadbeef", "/cafe/deadbeef"},
    {"FileNameKept", "/static/app.min.js", "/static/app.min.js"},
    {"LongSnakeCaseNameKept", "/api/application_settings_v2", "/api/application_settings_v2"},
    {"LongSlugWithNumberKept", "/blog/how-to-install-debian-12/",
     "/blog/how-to-install-debian-12/"},
    {"TokenOf19CharsKept", "/s/a1b2c3d4e5x6y7z8k", "/s/a1b2c3d4e5x6y7z8k"},
    {"PercentEncodedSlashStaysInSegment", "/files/a%2Fb/meta", "/files/a%2Fb/meta"},
    {"PercentEncodingKeptRaw", "/caf%C3%A9", "/caf%C3%A9"},
    {"PrintableUtf8Kept", "/caf\xc3\xa9", "/caf\xc3\xa9"},
    // Ids.
    {"Number", "/api/users/42", "/api/users/{id}"},
    {"NumberWithTrailingSlash", "/api/users/42/", "/api/users/{id}/"},
    {"SeveralNumbers", "/orders/1/items/2", "/orders/{id}/items/{id}"},
    {"HugeNumberIsOneId", "/n/123456789012345678901234567890123456789012345678901234567890",
     "/n/{id}"},
    {"UuidLowercase", "/u/123e4567-e89b-12d3-a456-426614174000/x", "/u/{id}/x"},
    {"UuidUppercase", "/u/123E4567-E89B-12D3-A456-426614174000", "/u/{id}"},
    {"UuidAllLetters", "/u/abcdefab-cdef-abcd-efab-cdefabcdefab", "/u/{id}"},
    {"Hex16", "/blobs/0123456789abcdef", "/blobs/{id}"},
    {"Md5Uppercase", "/blobs/D41D8CD98F00B204E9800998ECF8427E", "/blobs/{id}"},
    {"Hex16LettersOnly", "/k/deadbeefcafebabe", "/k/{id}"},
    {"Base64UrlToken", "/reset/Zx8fK2pQ9rT1vW4yB7nM3sLd", "/reset/{id}"},
    {"TokenWithDashAndUnderscore", "/s/aZ3_k9-Qx2Lm8pR5tV1w", "/s/{id}"},
    {"Jwt",
     "/auth/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
     "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U/refresh",
     "/auth/{id}/refresh"},
    {"IsoDate", "/reports/2024-01-01", "/reports/{id}"},
    {"IsoTimestamp", "/events/2024-01-01T10:00:00Z", "/events/{id}"},
    {"DatedSlug", "/blog/2024-03-05-release-notes", "/blog/{id}"},
    {"DatePath", "/archive/2024/01/15/", "/archive/{id}/{id}/{id}/"},
    {"Time", "/slots/10:30", "/slots/{id}"},
    {"PhoneNumber", "/calls/555-123-4567", "/calls/{id}"},
    {"Ipv4Address", "/hosts/10.0.0.1", "/hosts/{id}"},
    {"SemverTriple", "/pkg/foo/1.2.3", "/pkg/foo/{id}"},
    {"Email", "/users/john@example.com/", "/users/{id}/"},
    {"EscapedEmail", "/users/john%40example.com", "/users/{id}"},
    // Bytes that must never reach a label.
    {"ControlByte",
     "/a/b\x01"
     "c/d",
     "/a/{id}/d"},
    {"NulByte", "/a/b\0c/d"sv, "/a/{id}/d"},
    {"Space", "/a/b c", "/a/{id}"},
    {"Tab", "/a/\t", "/a/{id}"},
    {"Del", "/a/x\x7fy/z", "/a/{id}/z"},
    {"InvalidUtf8", "/a/\xff\xfe/b", "/a/{id}/b"},
    {"LoneContinuationByte", "/a/\x80", "/a/{id}"},
    {"TruncatedUtf8Sequence", "/a/\xe2\x82/b", "/a/{id}/b"},
    {"OverlongUtf8Slash", "/a/\xc0\xaf", "/a/{id}"},
    {"Utf8Surrogate", "/a/\xed\xa0\x80", "/a/{id}"},
    {"C1ControlInUtf8", "/a/x\xc2\x85", "/a/{id}"},
};

INSTANTIATE_TEST_SUITE_P(Routes, HeuristicTest, testing::ValuesIn(kHeuristicCases), CaseName);

TEST(RouteTemplater, LongPathKeepsLeadingSegmentsThatFit) {
  std::string target;
  for (int i = 0; i < 30; ++i) target += "/abcdefghij";  // 11 bytes a segment
  const std::optional<std::string> route = MustCreate({}).Template(target);
  ASSERT_TRUE(route.has_value());
  // 17 segments (187 bytes) + "/{...}" fit in 200; an 18th would not.
  std::string expected;
  for (int i = 0; i < 17; ++i) expected += "/abcdefghij";
  expected += "/{...}";
  EXPECT_EQ(*route, expected);
  EXPECT_LE(route->size(), RouteTemplater::kMaxRouteBytes);
}

TEST(RouteTemplater, RouteOfExactlyTheCapIsNotTruncated) {
  std::string target = "/" + std::string(RouteTemplater::kMaxRouteBytes - 1, 'w');
  EXPECT_EQ(MustCreate({}).Template(target), target);
  EXPECT_EQ(MustCreate({}).Template(target + "/"), "/{...}");
}

TEST(RouteTemplater, OneHugeWordSegmentIsTruncatedEntirely) {
  const std::string target = "/" + std::string(300, 'w') + "/b";
  EXPECT_EQ(MustCreate({}).Template(target), "/{...}");
}

TEST(RouteTemplater, IdsShrinkLongPathsBeforeTheCap) {
  std::string target;
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    target += "/x/123456789012345";
    expected += "/x/{id}";
  }
  EXPECT_EQ(MustCreate({}).Template(target), expected);
}

TEST(RouteTemplater, MillionDistinctNumericPathsMapToOneRoute) {
  const RouteTemplater templater = MustCreate({});
  SeriesLimiter limiter("http_server_request_duration_seconds", 100);
  std::unordered_set<std::string> routes;
  std::string target;
  for (int i = 0; i < 1'000'000; ++i) {
    target = "/api/users/" + std::to_string(i) + "/orders?page=" + std::to_string(i % 7);
    const std::optional<std::string> route = templater.Template(target);
    ASSERT_TRUE(route.has_value());
    routes.insert(limiter.Admit("shop", *route));
  }
  EXPECT_EQ(routes, std::unordered_set<std::string>{"/api/users/{id}/orders"});
  EXPECT_EQ(limiter.limited(), 0u);
  EXPECT_EQ(limiter.admitted("shop"), 1u);
}

// An oracle independent of the templater's own check: well-formed UTF-8, shortest form, no
// surrogates, no C1 controls.
bool IsPrintableUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t length = lead < 0x80   ? 1
                          : lead < 0xc2 ? 0
                          : lead < 0xe0 ? 2
                          : lead < 0xf0 ? 3
                          : lead < 0xf5 ? 4
                                        : 0;
    if (length == 0 || i + length > s.size()) return false;
    uint32_t code_point = length == 1 ? lead : lead & (0x7f >> length);
    for (size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(s[i + k]);
      if ((byte & 0xc0) != 0x80) return false;
      code_point = code_point << 6 | (byte & 0x3f);
    }
    constexpr uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kShortest[length] || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff) ||
        (code_point >= 0x80 && code_point < 0xa0)) {
      return false;
    }
    i += length;
  }
  return true;
}

// Whatever bytes a client sends, the label is short, printable UTF-8, and looks like a path.
TEST(RouteTemplater, ArbitraryBytesNeverReachTheLabel) {
  constexpr std::string_view kAlphabet =
      "/////?#%@.-_:aZ09\x00\x01\x1f \x7f\x80\xbf\xc0\xc3\xa9\xe2\xf4\xff"sv;
  const RouteTemplater templater = MustCreate(Rules({"/a/{x}/", "/b/{rest*}"}));
  std::mt19937 random(42);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 400);
  for (int i = 0; i < 100'000; ++i) {
    std::string target(length(random), '\0');
    for (char& c : target) c = kAlphabet[pick(random)];
    const std::optional<std::string> route = templater.Template(target);
    ASSERT_TRUE(route.has_value());
    ASSERT_LE(route->size(), RouteTemplater::kMaxRouteBytes);
    ASSERT_TRUE(*route == "*" || route->front() == '/') << *route;
    ASSERT_EQ(route->find("//"), std::string::npos) << *route;
    for (const char ch : *route) {
      const auto c = static_cast<unsigned char>(ch);
      ASSERT_TRUE(c > 0x20 && c != 0x7f) << "byte " << int{c} << " in " << *route;
      ASSERT_NE(c, '?');
      ASSERT_NE(c, '#');
    }
    ASSERT_EQ(route->find('@'), std::string::npos) << *route;
    ASSERT_TRUE(IsPrintableUtf8(*route)) << *route;
  }
}

// --- Configured patterns -------------------------------------------------------------------

class PatternTest : public testing::TestWithParam<RouteCase> {};

TEST_P(PatternTest, MatchesFirstPatternElseHeuristic) {
  const RouteTemplater templater = MustCreate(Rules({
      "/api/users/me",
      "/api/users/{id}/",
      "/api/users/{id}/posts/{post}",
      "/files/{path*}",
      "/api/{resource}",
      "/api/{never_reached}",
      "/",
  }));
  EXPECT_EQ(templater.Template(GetParam().target), GetParam().route);
}

constexpr RouteCase kPatternCases[] = {
    {"LiteralBeforeParameterFirstMatchWins", "/api/users/me", "/api/users/me"},
    {"Parameter", "/api/users/42/", "/api/users/{id}/"},
    {"ParameterCatchesWordsTheHeuristicKeeps", "/api/users/alice/", "/api/users/{id}/"},
    {"TrailingSlashIsSignificant", "/api/users/42", "/api/users/{id}"},
    {"TwoParameters", "/api/users/42/posts/hello-world", "/api/users/{id}/posts/{post}"},
    {"TwoParametersExtraSlashFallsBack", "/api/users/42/posts/7/", "/api/users/{id}/posts/{id}/"},
    {"ParameterNeverMatchesTwoSegments", "/api/users/a/b/", "/api/users/a/b/"},
    {"WildcardMatchesTheRest", "/files/a/b/c.txt", "/files/{path*}"},
    {"WildcardMatchesOneSegment", "/files/a", "/files/{path*}"},
    {"WildcardMatchesEmptyRestAfterSlash", "/files/", "/files/{path*}"},
    {"WildcardNeedsTheSlashBeforeIt", "/files", "/files"},
    {"SameShapeFirstWins", "/api/orders", "/api/{resource}"},
    {"Root", "/", "/"},
    {"EmptyTargetIsRoot", "", "/"},
    {"QueryDroppedBeforeMatching", "/api/users/me?x=1", "/api/users/me"},
    {"SlashesCollapsedBeforeMatching", "//api//users//me", "/api/users/me"},
    {"AbsoluteFormMatches", "http://h/api/users/me", "/api/users/me"},
    {"BadBytesInParameterDoNotLeak", "/api/users/\xff\x01/", "/api/users/{id}/"},
    {"LiteralsAreCaseSensitive", "/API/users/me", "/API/users/me"},
    {"NoPatternHeuristic", "/static/7", "/static/{id}"},
    {"AsteriskIsNotMatched", "*", "*"},
};

INSTANTIATE_TEST_SUITE_P(Routes, PatternTest, testing::ValuesIn(kPatternCases), CaseName);

TEST(RouteTemplater, RootWildcardMatchesEverything) {
  const RouteTemplater templater = MustCreate(Rules({"/{rest*}"}));
  EXPECT_EQ(templater.Template("/"), "/{rest*}");
  EXPECT_EQ(templater.Template("/a/1/b/"), "/{rest*}");
}

// --- Exclude list --------------------------------------------------------------------------

struct ExcludeCase {
  const char* name;
  std::string_view target;
  bool excluded;
};

class ExcludeTest : public testing::TestWithParam<ExcludeCase> {};

TEST_P(ExcludeTest, ExcludedRequestsAreNotRecorded) {
  const RouteTemplater templater = MustCreate(Rules(
      {"/static/{path*}"}, {"^/healthz?$", "^/(static|media)/", "^/metrics$", "^\\*$", "\\.ico$"}));
  EXPECT_EQ(!templater.Template(GetParam().target).has_value(), GetParam().excluded);
}

constexpr ExcludeCase kExcludeCases[] = {
    {"Health", "/health", true},
    {"Healthz", "/healthz", true},
    {"HealthzWithQuery", "/healthz?probe=kubelet", true},
    {"HealthzAbsoluteForm", "http://10.0.0.1:8000/healthz", true},
    {"Static", "/static/css/app.css", true},
    {"StaticBeforePatterns", "/static/", true},
    {"StaticWithDoubleSlashes", "//static//js/app.js", true},
    {"Media", "/media/uploads/1.png", true},
    {"Metrics", "/metrics", true},
    {"AsteriskForm", "*", true},
    {"Favicon", "/favicon.ico", true},
    {"HealthzPrefixNotExcluded", "/healthzz", false},
    {"StaticDeeperNotExcluded", "/api/static/x", false},
    {"StaticPrefixWordNotExcluded", "/staticfiles/x", false},
    {"MetricsSubpathNotExcluded", "/metrics/x", false},
    {"ApiNotExcluded", "/api/users/1", false},
    {"IcoInQueryNotExcluded", "/api?file=x.ico", false},
};

INSTANTIATE_TEST_SUITE_P(Routes, ExcludeTest, testing::ValuesIn(kExcludeCases),
                         [](const testing::TestParamInfo<ExcludeCase>& info) {
                           return std::string(info.param.name);
                         });

// Excludes whose match must start with a literal are skipped on paths without it; these are the
// shapes where the literal is not what it seems.
TEST(RouteTemplater, ExcludeShortcutKeepsRegexMeaning) {
  struct Case {
    const char* regex;
    const char* path;
    bool excluded;
  };
  for (const Case& c : {
           Case{"^/healthz?$", "/health", true},
           Case{"^/ab*c", "/ac", true},
           Case{"^/ab+c", "/ac", false},
           Case{"^/x{0}y", "/y", true},
           Case{"^/a|/b", "/x/b", true},  // "|" outside a group: only "/a" is anchored
           Case{"^/(a|b)/", "/b/", true},
           Case{"^[/]static", "/static", true},
           Case{"^\\/static", "/static", true},
           Case{"^/a(?=b)", "/ab", true},
           Case{"^/a(?!b)", "/ab", false},
           Case{"^/[|]x", "/|x", true},
           Case{"/static/", "/a/static/b", true},
       }) {
    const RouteTemplater templater = MustCreate(Rules({}, {c.regex}));
    EXPECT_EQ(!templater.Template(c.path).has_value(), c.excluded) << c.regex << " " << c.path;
  }
}

// A pathological regex on a long path must not overflow the event loop's stack.
TEST(RouteTemplater, ExcludeRegexOnLongPathDoesNotCrash) {
  const RouteTemplater templater = MustCreate(Rules({}, {"^/(a|b)*$"}));
  EXPECT_TRUE(templater.Template("/" + std::string(1000, 'a')) == std::nullopt);
  EXPECT_TRUE(templater.Template("/" + std::string(100000, 'a')).has_value());
}

// --- Invalid rules -------------------------------------------------------------------------

struct InvalidCase {
  const char* name;
  RouteRules rules;
  std::string error;
};

class InvalidRulesTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRulesTest, CreateReportsTheOffendingRule) {
  std::string error;
  EXPECT_FALSE(RouteTemplater::Create(GetParam().rules, &error).has_value());
  EXPECT_EQ(error, GetParam().error);
}

const InvalidCase kInvalidCases[] = {
    {"PatternWithoutLeadingSlash", Rules({"api/users"}),
     R"(invalid route pattern "api/users": must start with "/")"},
    {"EmptyPattern", Rules({""}), R"(invalid route pattern "": must start with "/")"},
    {"EmptySegment", Rules({"/api//users"}),
     R"(invalid route pattern "/api//users": empty segment ("//"))"},
    {"UnclosedBrace", Rules({"/api/{id"}),
     R"(invalid route pattern "/api/{id": a parameter must be a whole segment, "{name}" or "{name*}": "{id")"},
    {"ParameterInsideSegment", Rules({"/api/user-{id}"}),
     R"(invalid route pattern "/api/user-{id}": a parameter must be a whole segment, "{name}" or "{name*}": "user-{id}")"},
    {"EmptyParameterName", Rules({"/api/{}"}),
     R"(invalid route pattern "/api/{}": invalid parameter name in "{}" (letters, digits and "_", not starting with a digit))"},
    {"ParameterNameStartsWithDigit", Rules({"/api/{1d}"}),
     R"(invalid route pattern "/api/{1d}": invalid parameter name in "{1d}" (letters, digits and "_", not starting with a digit))"},
    {"ParameterNameWithDash", Rules({"/api/{a-b}"}),
     R"(invalid route pattern "/api/{a-b}": invalid parameter name in "{a-b}" (letters, digits and "_", not starting with a digit))"},
    {"WildcardNotLast", Rules({"/files/{path*}/meta"}),
     R"(invalid route pattern "/files/{path*}/meta": a {name*} wildcard must be the last segment)"},
    {"WildcardWithTrailingSlash", Rules({"/files/{path*}/"}),
     R"(invalid route pattern "/files/{path*}/": a {name*} wildcard must be the last segment)"},
    {"QueryInPattern", Rules({"/search?q={q}"}),
     R"(invalid route pattern "/search?q={q}": query strings and fragments are never part of a route)"},
    {"SpaceInPattern", Rules({"/a b"}),
     R"(invalid route pattern "/a b": contains spaces, control characters or invalid UTF-8)"},
    {"PatternLongerThanTheCap", Rules({"/" + std::string(250, 'a')}),
     "invalid route pattern \"/" + std::string(250, 'a') + "\": longer than 200 bytes"},
    {"SecondPatternInvalid", Rules({"/ok", "bad"}),
     R"(invalid route pattern "bad": must start with "/")"},
    {"EmptyRegex", Rules({}, {""}),
     R"(invalid route exclude regex "": it would exclude every request)"},
};

INSTANTIATE_TEST_SUITE_P(Routes, InvalidRulesTest, testing::ValuesIn(kInvalidCases),
                         [](const testing::TestParamInfo<InvalidCase>& info) {
                           return std::string(info.param.name);
                         });

// std::regex's own wording follows the library; only the prefix is ours.
TEST(RouteTemplater, InvalidRegexIsReported) {
  for (const char* regex : {"(", "[a-", "*x", "a{2,1}"}) {
    std::string error;
    EXPECT_FALSE(RouteTemplater::Create(Rules({}, {"^/ok$", regex}), &error).has_value()) << regex;
    EXPECT_EQ(error.rfind("invalid route exclude regex \"" + std::string(regex) + "\": ", 0), 0u)
        << error;
  }
}

}  // namespace
}  // namespace hostlens::metrics
