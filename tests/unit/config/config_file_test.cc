#include "agent/config/config_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "agent/metrics/route_template.h"

namespace hostlens::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kFixtures = HOSTLENS_SOURCE_DIR "/tests/fixtures/config";

TEST(ParseConfigFileTest, ReadsEverySetting) {
  const ConfigFileResult result = LoadConfigFile(kFixtures + "/full.yaml");
  ASSERT_TRUE(result.settings) << result.error;
  const FileSettings& settings = *result.settings;
  ASSERT_TRUE(settings.listen);
  EXPECT_EQ(settings.listen->host, "127.0.0.1");
  EXPECT_EQ(settings.listen->port, 9100);
  EXPECT_EQ(settings.log_level, spdlog::level::debug);
  EXPECT_EQ(settings.procfs, "/proc");
  EXPECT_EQ(settings.ring_buffer_bytes, 16u << 20);
  EXPECT_EQ(settings.max_tracked_processes, 1024u);
  EXPECT_EQ(settings.capture_bytes, 1024u);
  EXPECT_THAT(settings.route_rules.patterns, ElementsAre("/api/users/{id}/", "/files/{path*}"));
  EXPECT_THAT(settings.route_rules.exclude, ElementsAre("^/healthz$", "^/static/"));
  EXPECT_EQ(settings.max_routes_per_service, 200u);

  ASSERT_EQ(settings.selectors.size(), 3u);
  EXPECT_EQ(settings.selectors[0].Describe(), "exe //gunicorn$/ as api");
  ASSERT_NE(settings.selectors[0].exe_regex, nullptr);
  EXPECT_TRUE(std::regex_search("/srv/venv/bin/gunicorn", *settings.selectors[0].exe_regex));
  EXPECT_EQ(settings.selectors[1].Describe(), "port 8080 as web");
  EXPECT_EQ(settings.selectors[2].Describe(), "pid 4242 as worker");
}

TEST(ParseConfigFileTest, EmptyDocumentSetsNothing) {
  for (std::string_view yaml : {"", "# only a comment\n", "---\n", "~\n"}) {
    const ConfigFileResult result = ParseConfigFile(yaml, "test.yaml");
    ASSERT_TRUE(result.settings) << result.error;
    EXPECT_FALSE(result.settings->listen);
    EXPECT_FALSE(result.settings->log_level);
    EXPECT_FALSE(result.settings->procfs);
    EXPECT_FALSE(result.settings->ring_buffer_bytes);
    EXPECT_FALSE(result.settings->max_tracked_processes);
    EXPECT_FALSE(result.settings->capture_bytes);
    EXPECT_TRUE(result.settings->selectors.empty());
    EXPECT_THAT(result.settings->route_rules.patterns, IsEmpty());
    EXPECT_THAT(result.settings->route_rules.exclude, IsEmpty());
    EXPECT_FALSE(result.settings->max_routes_per_service);
  }
}

TEST(ParseConfigFileTest, CaptureBytesAcceptsItsWholeRange) {
  const std::pair<std::string_view, uint32_t> kCases[] = {
      {"16", 16}, {"512", 512}, {"'4096'", 4096}};
  for (const auto& [text, bytes] : kCases) {
    const ConfigFileResult result =
        ParseConfigFile("capture_bytes: " + std::string(text) + "\n", "test.yaml");
    ASSERT_TRUE(result.settings) << result.error;
    EXPECT_EQ(result.settings->capture_bytes, bytes);
  }
}

TEST(ParseConfigFileTest, HttpSectionKeepsListOrder) {
  const ConfigFileResult result = ParseConfigFile(
      "http:\n"
      "  exclude_routes: ['^/readyz$', ^/healthz$]\n"
      "  routes:\n"
      "    - /b/{id}\n"
      "    - \"/a/{rest*}\"\n"
      "    - /\n"
      "  max_routes_per_service: 100000\n",
      "test.yaml");
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_THAT(result.settings->route_rules.patterns, ElementsAre("/b/{id}", "/a/{rest*}", "/"));
  EXPECT_THAT(result.settings->route_rules.exclude, ElementsAre("^/readyz$", "^/healthz$"));
  EXPECT_EQ(result.settings->max_routes_per_service, 100000u);
}

TEST(ParseConfigFileTest, HttpSectionAndItsListsMayBeEmpty) {
  // What is left after commenting out every entry: nothing is set.
  for (std::string_view yaml : {"http:\n", "http: {}\n", "http:\n  routes:\n  exclude_routes:\n",
                                "http:\n  routes: []\n  exclude_routes: []\n"}) {
    const ConfigFileResult result = ParseConfigFile(yaml, "test.yaml");
    ASSERT_TRUE(result.settings) << yaml << ": " << result.error;
    EXPECT_THAT(result.settings->route_rules.patterns, IsEmpty()) << yaml;
    EXPECT_THAT(result.settings->route_rules.exclude, IsEmpty()) << yaml;
    EXPECT_FALSE(result.settings->max_routes_per_service) << yaml;
  }
}

TEST(ParseConfigFileTest, SelectorsMayShareAServiceAndBeEmpty) {
  ConfigFileResult result = ParseConfigFile(
      "selectors:\n"
      "  - {service_name: api, port: 8000}\n"
      "  - {service_name: api, exe: gunicorn}\n",
      "test.yaml");
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_EQ(result.settings->selectors.size(), 2u);

  for (std::string_view yaml : {"selectors:\n", "selectors: []\n"}) {
    result = ParseConfigFile(yaml, "test.yaml");
    ASSERT_TRUE(result.settings) << result.error;
    EXPECT_TRUE(result.settings->selectors.empty());
  }
}

TEST(ParseConfigFileTest, AcceptsQuotedScalars) {
  const ConfigFileResult result = ParseConfigFile(
      "listen: \"[::1]:9477\"\nring_buffer_size: '4M'\nselectors:\n"
      "  - {service_name: \"web\", port: \"8080\"}\n",
      "test.yaml");
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_EQ(result.settings->listen->host, "::1");
  EXPECT_EQ(result.settings->ring_buffer_bytes, 4u << 20);
  EXPECT_EQ(result.settings->selectors[0].port, 8080);
}

TEST(ParseConfigFileTest, DbSectionAndCaptureLiterals) {
  const ConfigFileResult result = LoadConfigFile(kFixtures + "/db.yaml");
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_EQ(result.settings->slow_query_threshold_ns, 250'000'000u);
  EXPECT_EQ(result.settings->slow_queries_kept, 50u);
  EXPECT_EQ(result.settings->capture_literals, true);

  const ConfigFileResult off = ParseConfigFile("capture_literals: off\ndb:\n", "test.yaml");
  ASSERT_TRUE(off.settings) << off.error;
  EXPECT_EQ(off.settings->capture_literals, false);
  EXPECT_FALSE(off.settings->slow_query_threshold_ns);
  EXPECT_FALSE(off.settings->slow_queries_kept);

  const ConfigFileResult quoted = ParseConfigFile(
      "db:\n  slow_query_threshold: '1.5s'\n  slow_queries_kept: \"7\"\n", "test.yaml");
  ASSERT_TRUE(quoted.settings) << quoted.error;
  EXPECT_EQ(quoted.settings->slow_query_threshold_ns, 1'500'000'000u);
  EXPECT_EQ(quoted.settings->slow_queries_kept, 7u);
  EXPECT_FALSE(quoted.settings->capture_literals);
}

TEST(ParseConfigFileTest, EmptyDocumentSetsNoDbSetting) {
  const ConfigFileResult result = ParseConfigFile("", "test.yaml");
  ASSERT_TRUE(result.settings) << result.error;
  EXPECT_FALSE(result.settings->slow_query_threshold_ns);
  EXPECT_FALSE(result.settings->slow_queries_kept);
  EXPECT_FALSE(result.settings->capture_literals);
}

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::string error;  // the message after "test.yaml: "
  // Regex errors end with the standard library's own words, which are not ours to pin.
  bool ends_with_library_text = false;

  // ctest lists parameterized tests by name and value; the name says it all.
  friend void PrintTo(const ErrorCase& error_case, std::ostream* os) { *os << error_case.name; }
};

class ConfigFileErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigFileErrorTest, NamesTheLineAndTheProblem) {
  const ConfigFileResult result = ParseConfigFile(GetParam().yaml, "test.yaml");
  EXPECT_FALSE(result.settings);
  const std::string expected = "test.yaml: " + GetParam().error;
  if (GetParam().ends_with_library_text) {
    EXPECT_THAT(result.error, StartsWith(expected));
  } else {
    EXPECT_EQ(result.error, expected);
  }
  EXPECT_THAT(result.error, Not(HasSubstr("\n")));
}

const ErrorCase kErrorCases[] = {
    {"SyntaxError", "listen: :1\nselectors: [\n  {service_name: api, port: 8000}\n",
     "line 4: end of sequence flow not found"},
    {"BadIndentation", "listen: :1\n  log_level: info\n", "line 2: illegal map value"},
    {"NotAMapping", "- listen\n",
     "line 1: expected a mapping of settings (key: value), got a list"},
    {"PlainScalarDocument", "listen\n",
     "line 1: expected a mapping of settings (key: value), got a single value"},
    {"SecondDocument", "listen: :1\n---\nlisten: :2\n",  // named at its "---"
     "line 2: only one YAML document is allowed"},
    // yaml-cpp names the character it cannot unescape as is: a control byte (a newline, found by
    // fuzz/config_fuzzer.cc) stays out of the one-line message.
    {"EscapedControlByte", "selectors:\n  - exe: \"gun\\\x01" "corn\"\n",
     "line 2: unknown escape character: \\x01"},
    // yaml-cpp's LoadAll finds empty documents in this one without end (fuzz/config_fuzzer.cc).
    {"EndlessDocuments", ",ttp:\n \n    - /api/orders/{order@id\n",
     "line 1: only one YAML document is allowed"},
    {"UnknownKey", "listen: :1\nlog_level: info\nselectrs: []\n",
     "line 3: unknown key \"selectrs\" (known: listen, log_level, procfs, ring_buffer_size, "
     "max_tracked_processes, capture_bytes, capture_literals, selectors, http, db)"},
    {"HttpKeyAtTopLevel", "routes:\n  - /a\n",
     "line 1: unknown key \"routes\" (known: listen, log_level, procfs, ring_buffer_size, "
     "max_tracked_processes, capture_bytes, capture_literals, selectors, http, db)"},
    {"DuplicateKey", "listen: :1\nlisten: :2\n", "line 2: duplicate key \"listen\""},
    {"NonScalarKey", "[a]: 1\n", "line 1: expected a key name, got a list"},
    {"MissingValue", "log_level: info\nprocfs:\n", "line 2: procfs: missing value"},
    {"ListenNotAnAddress", "listen: 9477\n",
     "line 1: listen: \"9477\" is not an address (ADDR:PORT, [IPV6]:PORT or :PORT)"},
    {"ListenHostname", "listen: localhost:9477\n",
     "line 1: listen: \"localhost:9477\": \"localhost\" is not a numeric IPv4 address (host names "
     "are not accepted)"},
    {"ListenIsAList", "listen: [a, b]\n", "line 1: listen: expected a single value, got a list"},
    {"LogLevelUnknown", "\nlog_level: verbose\n",
     "line 2: log_level: \"verbose\" is not a log level (trace, debug, info, warn, error, off)"},
    {"LogLevelIsAMapping", "log_level:\n  level: info\n",
     "line 2: log_level: expected a single value, got a mapping"},
    {"ProcfsMissing", "procfs: /nonexistent/proc\n",
     "line 1: procfs: \"/nonexistent/proc\" does not exist"},
    {"ProcfsNotADirectory", "procfs: /proc/self/status\n",
     "line 1: procfs: \"/proc/self/status\" is not a directory"},
    {"RingBufferNotPowerOfTwo", "ring_buffer_size: 3M\n",
     "line 1: ring_buffer_size: \"3M\" is not a power of two"},
    {"RingBufferNotASize", "ring_buffer_size: lots\n",
     "line 1: ring_buffer_size: \"lots\" is not a size (bytes, or a number with a K, M or G "
     "suffix)"},
    {"MaxTrackedZero", "max_tracked_processes: 0\n",
     "line 1: max_tracked_processes: \"0\" is not a number of processes (1-4194304)"},
    // capture_bytes
    {"CaptureBytesTooSmall", "capture_bytes: 15\n",
     "line 1: capture_bytes: \"15\" is not a capture size (16-4096 bytes)"},
    {"CaptureBytesTooLarge", "log_level: info\ncapture_bytes: 4097\n",
     "line 2: capture_bytes: \"4097\" is not a capture size (16-4096 bytes)"},
    {"CaptureBytesWithSuffix", "capture_bytes: 1K\n",
     "line 1: capture_bytes: \"1K\" is not a capture size (16-4096 bytes)"},
    {"CaptureBytesNegative", "capture_bytes: -512\n",
     "line 1: capture_bytes: \"-512\" is not a capture size (16-4096 bytes)"},
    {"CaptureBytesIsAList", "capture_bytes: [512]\n",
     "line 1: capture_bytes: expected a single value, got a list"},
    {"CaptureBytesMissing", "capture_bytes:\nlog_level: info\n",
     "line 1: capture_bytes: missing value"},
    // http
    {"HttpIsAList", "http:\n  - /api/users/{id}/\n",
     "line 2: http: expected a mapping of settings (key: value), got a list"},
    {"HttpIsASingleValue", "http: /api\n",
     "line 1: http: expected a mapping of settings (key: value), got a single value"},
    {"HttpUnknownKey", "http:\n  routes: []\n  exclude_route:\n    - ^/healthz$\n",
     "line 3: unknown http key \"exclude_route\" (known: routes, exclude_routes, "
     "max_routes_per_service)"},
    {"HttpTopLevelKeyInside", "http:\n  capture_bytes: 512\n",
     "line 2: unknown http key \"capture_bytes\" (known: routes, exclude_routes, "
     "max_routes_per_service)"},
    {"HttpDuplicateKey", "http:\n  routes: [/a]\n  routes: [/b]\n",
     "line 3: duplicate key \"routes\""},
    {"HttpDuplicateSection", "http: {}\nhttp: {}\n", "line 2: duplicate key \"http\""},
    {"HttpNonScalarKey", "http:\n  [routes]: []\n", "line 2: expected a key name, got a list"},
    // http.routes
    {"RoutesIsASingleValue", "http:\n  routes: /api/users/{id}/\n",
     "line 2: routes: expected a list, got a single value"},
    {"RoutesIsAMapping", "http:\n  routes:\n    users: /api/users/{id}/\n",
     "line 3: routes: expected a list, got a mapping"},
    {"RouteIsAList", "http:\n  routes:\n    - /a\n    - [/b, /c]\n",
     "line 4: routes: expected a route pattern like /api/users/{id}/, got a list"},
    {"RouteIsAMapping", "http:\n  routes:\n    - {id}\n",
     "line 3: routes: expected a route pattern like /api/users/{id}/, got a mapping"},
    {"RouteEmptyItem", "http:\n  routes:\n    - /a\n    -\n    - /b\n",
     "line 2: routes: a list item is empty"},
    {"RouteEmptyLastItem", "http:\n  routes:\n    -\n", "line 2: routes: a list item is empty"},
    {"RouteWithoutLeadingSlash", "http:\n  routes:\n    - /a\n    - users/{id}\n",
     "line 4: routes: invalid route pattern \"users/{id}\": must start with \"/\""},
    {"RouteEmptyString", "http:\n  routes:\n    - ''\n",
     "line 3: routes: invalid route pattern \"\": must start with \"/\""},
    {"RouteNumber", "http:\n  routes:\n    - 404\n",
     "line 3: routes: invalid route pattern \"404\": must start with \"/\""},
    {"RoutePartialParameter", "http:\n  routes:\n    - /users/id-{id}\n",
     "line 3: routes: invalid route pattern \"/users/id-{id}\": a parameter must be a whole "
     "segment, \"{name}\" or \"{name*}\": \"id-{id}\""},
    {"RouteBadParameterName", "http:\n  routes:\n    - /users/{1st}\n",
     "line 3: routes: invalid route pattern \"/users/{1st}\": invalid parameter name in "
     "\"{1st}\" (letters, digits and \"_\", not starting with a digit)"},
    {"RouteWildcardNotLast", "http:\n  routes:\n    - /files/{path*}/raw\n",
     "line 3: routes: invalid route pattern \"/files/{path*}/raw\": a {name*} wildcard must be "
     "the last segment"},
    {"RouteWithQuery", "http:\n  routes:\n    - /search?q={q}\n",
     "line 3: routes: invalid route pattern \"/search?q={q}\": query strings and fragments are "
     "never part of a route"},
    {"RouteEmptySegment", "http:\n  routes:\n    - /api//users\n",
     "line 3: routes: invalid route pattern \"/api//users\": empty segment (\"//\")"},
    {"RouteWithNewlineStaysOnOneLine", "http:\n  routes:\n    - \"/a\\nb\"\n",
     "line 3: routes: invalid route pattern \"/a\\nb\": contains spaces, control characters or "
     "invalid UTF-8"},
    // http.exclude_routes
    {"ExcludeRoutesIsASingleValue", "http:\n  exclude_routes: ^/healthz$\n",
     "line 2: exclude_routes: expected a list, got a single value"},
    {"ExcludeRouteIsAMapping", "http:\n  exclude_routes:\n    - healthz: ^/healthz$\n",
     "line 3: exclude_routes: expected a regex like ^/healthz$, got a mapping"},
    {"ExcludeRouteEmptyItem", "http:\n  exclude_routes:\n    - ~\n",
     "line 2: exclude_routes: a list item is empty"},
    {"ExcludeRouteEmptyString", "http:\n  exclude_routes:\n    - ^/healthz$\n    - \"\"\n",
     "line 4: exclude_routes: invalid route exclude regex \"\": it would exclude every request"},
    {"ExcludeRouteInvalidRegex", "http:\n  exclude_routes:\n    - '^/health('\n",
     "line 3: exclude_routes: invalid route exclude regex \"^/health(\": ", true},
    {"ExcludeRouteUnclosedBracket", "http:\n  exclude_routes:\n    - '^/static/[a-'\n",
     "line 3: exclude_routes: invalid route exclude regex \"^/static/[a-\": ", true},
    // http.max_routes_per_service
    {"MaxRoutesZero", "http:\n  max_routes_per_service: 0\n",
     "line 2: max_routes_per_service: \"0\" is not a number of routes (1-100000)"},
    {"MaxRoutesTooLarge", "http:\n  max_routes_per_service: 100001\n",
     "line 2: max_routes_per_service: \"100001\" is not a number of routes (1-100000)"},
    {"MaxRoutesNotANumber", "http:\n  max_routes_per_service: lots\n",
     "line 2: max_routes_per_service: \"lots\" is not a number of routes (1-100000)"},
    {"MaxRoutesIsAList", "http:\n  max_routes_per_service: [500]\n",
     "line 2: max_routes_per_service: expected a single value, got a list"},
    {"MaxRoutesMissing", "http:\n  max_routes_per_service:\n",
     "line 2: max_routes_per_service: missing value"},
    {"SelectorsNotAList", "selectors:\n  api: {port: 1}\n",
     "line 2: selectors: expected a list, got a mapping"},
    {"SelectorNotAMapping", "selectors:\n  - 8080\n",
     "line 2: selectors: expected a mapping like {service_name: api, port: 8080}, got a single "
     "value"},
    {"SelectorUnknownKey", "selectors:\n  - service_name: api\n    exec: gunicorn\n",
     "line 3: unknown selector key \"exec\" (known: service_name, pid, port, exe)"},
    {"SelectorDuplicateKey", "selectors:\n  - service_name: api\n    port: 1\n    port: 2\n",
     "line 4: duplicate key \"port\""},
    {"SelectorWithoutTarget", "selectors:\n  - service_name: api\n",
     "line 2: selector needs exactly one of pid, port, exe; it has none"},
    {"SelectorWithTwoTargets",
     "selectors:\n  - service_name: api\n    port: 8000\n  - service_name: web\n    pid: 1\n"
     "    exe: nginx\n",
     "line 4: selector needs exactly one of pid, port, exe; it has pid and exe"},
    {"SelectorWithThreeTargets", "selectors:\n  - {service_name: a, pid: 1, port: 2, exe: x}\n",
     "line 2: selector needs exactly one of pid, port, exe; it has pid, port and exe"},
    {"SelectorWithoutServiceName", "selectors:\n  - port: 8080\n",
     "line 2: selector needs a service_name"},
    {"SelectorEmptyServiceName", "selectors:\n  - service_name: ''\n    port: 8080\n",
     "line 2: service_name: must not be empty"},
    {"SelectorServiceNameIsAList", "selectors:\n  - service_name: [a]\n    port: 8080\n",
     "line 2: service_name: expected a single value, got a list"},
    {"SelectorPidNotANumber", "selectors:\n  - service_name: api\n    pid: self\n",
     "line 3: pid: \"self\" is not a process ID (1-4194304)"},
    {"SelectorPortOutOfRange", "selectors:\n  - service_name: api\n    port: 70000\n",
     "line 3: port: \"70000\" is not a port number (1-65535)"},
    {"SelectorPortMissing", "selectors:\n  - service_name: api\n    port:\n",
     "line 3: port: missing value"},
    {"SelectorExeInvalidRegex", "selectors:\n  - service_name: api\n    exe: \"gunicorn(\"\n",
     "line 3: exe: \"gunicorn(\" is not a valid regular expression: ", true},
    {"DbNotAMapping", "db: 100ms\n",
     "line 1: db: expected a mapping of settings (key: value), got a single value"},
    {"DbList", "db:\n  - slow_query_threshold: 1s\n",
     "line 2: db: expected a mapping of settings (key: value), got a list"},
    {"DbUnknownKey", "db:\n  slow_query: 1s\n",
     "line 2: unknown db key \"slow_query\" (known: slow_query_threshold, slow_queries_kept)"},
    {"CaptureLiteralsInsideDb", "db:\n  capture_literals: true\n",
     "line 2: unknown db key \"capture_literals\" (known: slow_query_threshold, "
     "slow_queries_kept)"},
    {"DbDuplicateKey", "db:\n  slow_queries_kept: 1\n  slow_queries_kept: 2\n",
     "line 3: duplicate key \"slow_queries_kept\""},
    {"SlowQueryThresholdWithoutUnit", "db:\n  slow_query_threshold: 100\n",
     "line 2: slow_query_threshold: \"100\" is not a duration from 1us to 1h (e.g. 100ms, 1s, "
     "250us)"},
    {"SlowQueryThresholdMissing", "db:\n  slow_query_threshold:\n",
     "line 2: slow_query_threshold: missing value"},
    {"SlowQueriesKeptZero", "db:\n  slow_queries_kept: 0\n",
     "line 2: slow_queries_kept: \"0\" is not a number of statements (1-100000)"},
    {"CaptureLiteralsNotASwitch", "capture_literals: maybe\n",
     "line 1: capture_literals: \"maybe\" is not true or false"},
    {"CaptureLiteralsList", "capture_literals: [true]\n",
     "line 1: capture_literals: expected a single value, got a list"},
    {"SelectorExeEmpty", "selectors:\n  - service_name: api\n    exe: \"\"\n",
     "line 3: exe: the pattern is empty; it would match every process"},
};

INSTANTIATE_TEST_SUITE_P(AllProblems, ConfigFileErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const auto& info) { return info.param.name; });

TEST(LoadConfigFileTest, ReportsFilesItCannotRead) {
  ConfigFileResult result = LoadConfigFile("/nonexistent/hostlens.yaml");
  EXPECT_FALSE(result.settings);
  EXPECT_EQ(result.error, "/nonexistent/hostlens.yaml: cannot open: No such file or directory");

  result = LoadConfigFile(kFixtures);
  EXPECT_FALSE(result.settings);
  EXPECT_EQ(result.error, kFixtures + ": cannot read: Is a directory");
}

TEST(LoadConfigFileTest, RefusesEndlessFiles) {
  const ConfigFileResult result = LoadConfigFile("/dev/zero");
  EXPECT_FALSE(result.settings);
  EXPECT_EQ(result.error, "/dev/zero: larger than 1 MiB; is this the config file?");
}

TEST(LoadConfigFileTest, ErrorsNameTheFileAndLine) {
  const ConfigFileResult result = LoadConfigFile(kFixtures + "/unknown_key.yaml");
  EXPECT_FALSE(result.settings);
  EXPECT_THAT(result.error,
              StartsWith(kFixtures + "/unknown_key.yaml: line 3: unknown key \"selectrs\""));
}

TEST(LoadConfigFileTest, HttpErrorsNameTheFileAndLine) {
  ConfigFileResult result = LoadConfigFile(kFixtures + "/bad_route.yaml");
  EXPECT_FALSE(result.settings);
  EXPECT_EQ(result.error, kFixtures +
                              "/bad_route.yaml: line 4: routes: invalid route pattern "
                              "\"/api/orders/{order_id\": a parameter must be a whole segment, "
                              "\"{name}\" or \"{name*}\": \"{order_id\"");

  result = LoadConfigFile(kFixtures + "/bad_exclude_route.yaml");
  EXPECT_FALSE(result.settings);
  EXPECT_THAT(result.error,
              StartsWith(kFixtures + "/bad_exclude_route.yaml: line 6: exclude_routes: invalid "
                                     "route exclude regex \"^/health(\": "));

  result = LoadConfigFile(kFixtures + "/http_unknown_key.yaml");
  EXPECT_FALSE(result.settings);
  EXPECT_EQ(result.error, kFixtures +
                              "/http_unknown_key.yaml: line 5: unknown http key \"exclude_route\" "
                              "(known: routes, exclude_routes, max_routes_per_service)");
}

// The example shipped for users must keep parsing as the configuration grows.
TEST(ExampleConfigTest, DeployExampleParses) {
  const std::string path = HOSTLENS_SOURCE_DIR "/deploy/config/hostlens.example.yaml";
  const ConfigFileResult result = LoadConfigFile(path);
  ASSERT_TRUE(result.settings) << result.error;
  const FileSettings& settings = *result.settings;
  EXPECT_EQ(settings.selectors.size(), 2u);
  for (const Selector& selector : settings.selectors) EXPECT_NE(selector.service_name, "");
  EXPECT_EQ(settings.capture_bytes, 4096u);
  EXPECT_EQ(settings.max_routes_per_service, 500u);
  EXPECT_EQ(settings.slow_query_threshold_ns, 100'000'000u);
  EXPECT_EQ(settings.slow_queries_kept, 200u);
  EXPECT_EQ(settings.capture_literals, false);
  EXPECT_THAT(settings.route_rules.patterns, Not(IsEmpty()));
  // What a Django metrics middleware usually skipped.
  EXPECT_THAT(settings.route_rules.exclude, ElementsAre("^/health", "^/healthz$", "^/readyz$",
                                                        "^/static/", "^/media/", "^/metrics$"));

  // And it does what its comments say.
  std::string error;
  const std::optional<metrics::RouteTemplater> routes =
      metrics::RouteTemplater::Create(settings.route_rules, &error);
  ASSERT_TRUE(routes) << error;
  for (const char* excluded : {"/health", "/health/", "/healthz", "/readyz", "/metrics",
                               "/static/css/site.css", "/media/avatars/1.png", "/healthz?full=1"}) {
    EXPECT_EQ(routes->Template(excluded), std::nullopt) << excluded;
  }
  EXPECT_EQ(routes->Template("/api/users/42/"), "/api/users/{id}/");
  EXPECT_EQ(routes->Template("/metrics/history"), "/metrics/history");
  EXPECT_EQ(routes->Template("/api/static/"), "/api/static/");
}

TEST(ApplyFileSettingsTest, SetsWhatTheFileSetsAndPutsItsSelectorsFirst) {
  FileSettings settings;
  settings.log_level = spdlog::level::warn;
  settings.selectors.push_back(Selector::ForPort(8080, "web"));
  Options options;
  options.selectors.push_back(Selector::ForPid(7));

  ApplyFileSettings(settings, &options);
  EXPECT_EQ(options.log_level, spdlog::level::warn);
  EXPECT_EQ(options.ListenAddress(), "0.0.0.0:9477");  // untouched: the file does not set it
  EXPECT_EQ(options.procfs, "/proc");
  ASSERT_EQ(options.selectors.size(), 2u);
  EXPECT_EQ(options.selectors[0].Describe(), "port 8080 as web");
  EXPECT_EQ(options.selectors[1].Describe(), "pid 7");
  EXPECT_EQ(options.capture_bytes, 4096u);
  EXPECT_EQ(options.max_routes_per_service, 500u);
}

TEST(ApplyFileSettingsTest, SetsHttpSettingsAndPutsItsRoutesFirst) {
  FileSettings settings;
  settings.capture_bytes = 2048;
  settings.max_routes_per_service = 50;
  settings.route_rules.patterns = {"/file/{id}"};
  settings.route_rules.exclude = {"^/file-health$"};
  Options options;
  options.route_rules.patterns = {"/already/{id}"};
  options.route_rules.exclude = {"^/already$"};

  ApplyFileSettings(settings, &options);
  EXPECT_EQ(options.capture_bytes, 2048u);
  EXPECT_EQ(options.max_routes_per_service, 50u);
  EXPECT_THAT(options.route_rules.patterns, ElementsAre("/file/{id}", "/already/{id}"));
  EXPECT_THAT(options.route_rules.exclude, ElementsAre("^/file-health$", "^/already$"));
}

TEST(ApplyFileSettingsTest, SetsDbSettings) {
  FileSettings settings;
  settings.slow_query_threshold_ns = 5'000'000;
  settings.slow_queries_kept = 10;
  settings.capture_literals = true;
  Options options;
  ApplyFileSettings(settings, &options);
  EXPECT_EQ(options.slow_query_threshold_ns, 5'000'000u);
  EXPECT_EQ(options.slow_queries_kept, 10u);
  EXPECT_TRUE(options.capture_literals);

  // What the file does not set keeps its default; a file's "off" turns a switch off.
  FileSettings off;
  off.capture_literals = false;
  Options defaults;
  defaults.capture_literals = true;
  ApplyFileSettings(off, &defaults);
  EXPECT_FALSE(defaults.capture_literals);
  EXPECT_EQ(defaults.slow_query_threshold_ns, 100'000'000u);
  EXPECT_EQ(defaults.slow_queries_kept, 200u);
}

}  // namespace
}  // namespace hostlens::config
