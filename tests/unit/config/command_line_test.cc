#include "agent/config/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace hostlens::config {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kFixtures = HOSTLENS_SOURCE_DIR "/tests/fixtures/config";

ParseResult Parse(const std::vector<std::string>& args) {
  std::vector<const char*> argv = {"hostlens"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), "1.2.3");
}

// The options of a command line that must succeed.
Options OptionsFor(const std::vector<std::string>& args) {
  ParseResult result = Parse(args);
  EXPECT_TRUE(result.options) << result.error;
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.output, "");
  return result.options.value_or(Options{});
}

std::vector<std::string> Describe(const std::vector<Selector>& selectors) {
  std::vector<std::string> descriptions;
  for (const Selector& selector : selectors) descriptions.push_back(selector.Describe());
  return descriptions;
}

TEST(ParseCommandLineTest, NoArgumentsGiveTheDefaults) {
  const Options options = OptionsFor({});
  EXPECT_EQ(options.ListenAddress(), "0.0.0.0:9477");
  EXPECT_TRUE(options.selectors.empty());
  EXPECT_EQ(options.procfs, "/proc");
  EXPECT_EQ(options.log_level, spdlog::level::info);
  EXPECT_EQ(options.config_path, "");
  EXPECT_EQ(options.ring_buffer_bytes, 8u << 20);
  EXPECT_EQ(options.max_tracked_processes, 65536u);
  EXPECT_EQ(options.capture_bytes, 4096u);
  EXPECT_TRUE(options.route_rules.patterns.empty());
  EXPECT_TRUE(options.route_rules.exclude.empty());
  EXPECT_EQ(options.max_routes_per_service, 500u);
  EXPECT_EQ(options.slow_query_threshold_ns, 100'000'000u);
  EXPECT_EQ(options.slow_queries_kept, 200u);
  EXPECT_FALSE(options.capture_literals);
}

TEST(ParseCommandLineTest, HelpListsEveryFlag) {
  for (const char* flag : {"--help", "-h"}) {
    const ParseResult result = Parse({flag});
    EXPECT_FALSE(result.options);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.error, "");
    EXPECT_THAT(result.output, StartsWith("hostlens: "));
    EXPECT_THAT(result.output, HasSubstr("Usage: hostlens [OPTIONS]"));
    for (const char* name :
         {"--listen", "--pid", "--port", "--exe", "--config", "--procfs", "--log-level",
          "--ring-buffer-size", "--max-tracked-processes", "--capture-bytes", "--route",
          "--exclude-route", "--max-routes-per-service", "--slow-query-threshold",
          "--capture-literals", "--without-kernel-feature", "--version"}) {
      EXPECT_THAT(result.output, HasSubstr(name));
    }
    EXPECT_EQ(result.output.back(), '\n');
  }
}

TEST(ParseCommandLineTest, HelpWinsOverBadValues) {
  const ParseResult result = Parse({"--port", "abc", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("Usage:"));
}

TEST(ParseCommandLineTest, VersionPrintsNameAndVersion) {
  const ParseResult result = Parse({"--version"});
  EXPECT_FALSE(result.options);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "hostlens 1.2.3\n");
  EXPECT_EQ(result.error, "");
}

TEST(ParseCommandLineTest, Listen) {
  EXPECT_EQ(OptionsFor({"--listen", "127.0.0.1:8080"}).ListenAddress(), "127.0.0.1:8080");
  EXPECT_EQ(OptionsFor({"--listen=127.0.0.1:8080"}).ListenAddress(), "127.0.0.1:8080");
  EXPECT_EQ(OptionsFor({"--listen", ":9000"}).ListenAddress(), "0.0.0.0:9000");
  const Options ipv6 = OptionsFor({"--listen", "[::1]:9477"});
  EXPECT_EQ(ipv6.listen_host, "::1");
  EXPECT_EQ(ipv6.listen_port, 9477);
}

TEST(ParseCommandLineTest, SelectorsKeepCommandLineOrder) {
  const Options options = OptionsFor(
      {"--exe", "/gunicorn$", "--pid", "42", "--port", "8000", "--pid=7", "--port", "5432"});
  EXPECT_THAT(
      Describe(options.selectors),
      ::testing::ElementsAre("exe //gunicorn$/", "pid 42", "port 8000", "pid 7", "port 5432"));
  ASSERT_NE(options.selectors[0].exe_regex, nullptr);
  EXPECT_TRUE(std::regex_search("/srv/bin/gunicorn", *options.selectors[0].exe_regex));
  for (const Selector& selector : options.selectors) EXPECT_EQ(selector.service_name, "");
}

TEST(ParseCommandLineTest, Procfs) {
  EXPECT_EQ(OptionsFor({"--procfs", kFixtures}).procfs, kFixtures);
}

TEST(ParseCommandLineTest, LogLevels) {
  EXPECT_EQ(OptionsFor({"--log-level", "trace"}).log_level, spdlog::level::trace);
  EXPECT_EQ(OptionsFor({"--log-level", "debug"}).log_level, spdlog::level::debug);
  EXPECT_EQ(OptionsFor({"--log-level", "info"}).log_level, spdlog::level::info);
  EXPECT_EQ(OptionsFor({"--log-level", "warn"}).log_level, spdlog::level::warn);
  EXPECT_EQ(OptionsFor({"--log-level", "error"}).log_level, spdlog::level::err);
  EXPECT_EQ(OptionsFor({"--log-level", "off"}).log_level, spdlog::level::off);
}

TEST(ParseCommandLineTest, RingBufferSize) {
  EXPECT_EQ(OptionsFor({"--ring-buffer-size", "16777216"}).ring_buffer_bytes, 16u << 20);
  EXPECT_EQ(OptionsFor({"--ring-buffer-size", "256K"}).ring_buffer_bytes, 256u << 10);
  EXPECT_EQ(OptionsFor({"--ring-buffer-size", "32M"}).ring_buffer_bytes, 32u << 20);
}

TEST(ParseCommandLineTest, MaxTrackedProcesses) {
  EXPECT_EQ(OptionsFor({"--max-tracked-processes", "100"}).max_tracked_processes, 100u);
}

TEST(ParseCommandLineTest, WithoutKernelFeature) {
  EXPECT_TRUE(OptionsFor({}).without_kernel_features.empty());
  EXPECT_EQ(OptionsFor({"--without-kernel-feature", "task_storage"}).without_kernel_features,
            std::set<std::string>{"task_storage"});
  EXPECT_EQ(OptionsFor({"--without-kernel-feature=task_storage",
                        "--without-kernel-feature=task_storage"})
                .without_kernel_features,
            std::set<std::string>{"task_storage"});
  EXPECT_EQ(OptionsFor({"--without-kernel-feature=uprobe_multi",
                        "--without-kernel-feature=task_storage"})
                .without_kernel_features,
            (std::set<std::string>{"task_storage", "uprobe_multi"}));
}

TEST(ParseCommandLineTest, CaptureBytes) {
  EXPECT_EQ(OptionsFor({"--capture-bytes", "16"}).capture_bytes, 16u);
  EXPECT_EQ(OptionsFor({"--capture-bytes", "1500"}).capture_bytes, 1500u);
  EXPECT_EQ(OptionsFor({"--capture-bytes=4096"}).capture_bytes, 4096u);
}

TEST(ParseCommandLineTest, RoutesAndExcludesKeepCommandLineOrder) {
  const Options options =
      OptionsFor({"--route", "/api/users/{id}/", "--exclude-route", "^/healthz$", "--route=/",
                  "--exclude-route=^/static/", "--route", "/files/{path*}"});
  EXPECT_THAT(options.route_rules.patterns,
              ::testing::ElementsAre("/api/users/{id}/", "/", "/files/{path*}"));
  EXPECT_THAT(options.route_rules.exclude, ::testing::ElementsAre("^/healthz$", "^/static/"));
}

TEST(ParseCommandLineTest, MaxRoutesPerService) {
  EXPECT_EQ(OptionsFor({"--max-routes-per-service", "1"}).max_routes_per_service, 1u);
  EXPECT_EQ(OptionsFor({"--max-routes-per-service", "100000"}).max_routes_per_service, 100000u);
}

TEST(ParseCommandLineTest, ConfigFileSetsEverything) {
  const Options options = OptionsFor({"--config", kFixtures + "/full.yaml"});
  EXPECT_EQ(options.config_path, kFixtures + "/full.yaml");
  EXPECT_EQ(options.ListenAddress(), "127.0.0.1:9100");
  EXPECT_EQ(options.log_level, spdlog::level::debug);
  EXPECT_EQ(options.procfs, "/proc");
  EXPECT_EQ(options.ring_buffer_bytes, 16u << 20);
  EXPECT_EQ(options.max_tracked_processes, 1024u);
  EXPECT_EQ(options.capture_bytes, 1024u);
  EXPECT_THAT(options.route_rules.patterns,
              ::testing::ElementsAre("/api/users/{id}/", "/files/{path*}"));
  EXPECT_THAT(options.route_rules.exclude, ::testing::ElementsAre("^/healthz$", "^/static/"));
  EXPECT_EQ(options.max_routes_per_service, 200u);
  EXPECT_THAT(
      Describe(options.selectors),
      ::testing::ElementsAre("exe //gunicorn$/ as api", "port 8080 as web", "pid 4242 as worker"));
}

TEST(ParseCommandLineTest, ExampleConfigFileIsAccepted) {
  const std::string path = HOSTLENS_SOURCE_DIR "/deploy/config/hostlens.example.yaml";
  const Options options = OptionsFor({"--config", path, "--exclude-route", "^/admin/"});
  EXPECT_EQ(options.config_path, path);
  EXPECT_EQ(options.selectors.size(), 2u);
  ASSERT_FALSE(options.route_rules.exclude.empty());
  EXPECT_EQ(options.route_rules.exclude.back(), "^/admin/");
}

TEST(ParseCommandLineTest, EmptyConfigFileKeepsTheDefaults) {
  const Options options = OptionsFor({"--config", kFixtures + "/empty.yaml"});
  EXPECT_EQ(options.config_path, kFixtures + "/empty.yaml");
  EXPECT_EQ(options.ListenAddress(), "0.0.0.0:9477");
  EXPECT_TRUE(options.selectors.empty());
}

TEST(ParseCommandLineTest, FlagsOverrideTheFileAndAddSelectorsAfterIts) {
  // The flags come before --config on purpose: where --config sits must not matter.
  const Options options = OptionsFor({"--pid",
                                      "7",
                                      "--listen",
                                      ":1234",
                                      "--log-level",
                                      "warn",
                                      "--ring-buffer-size",
                                      "4M",
                                      "--max-tracked-processes",
                                      "10",
                                      "--procfs",
                                      kFixtures,
                                      "--capture-bytes",
                                      "64",
                                      "--max-routes-per-service",
                                      "20",
                                      "--config",
                                      kFixtures + "/full.yaml",
                                      "--exe",
                                      "nginx"});
  EXPECT_EQ(options.ListenAddress(), "0.0.0.0:1234");
  EXPECT_EQ(options.capture_bytes, 64u);
  EXPECT_EQ(options.max_routes_per_service, 20u);
  EXPECT_EQ(options.log_level, spdlog::level::warn);
  EXPECT_EQ(options.ring_buffer_bytes, 4u << 20);
  EXPECT_EQ(options.max_tracked_processes, 10u);
  EXPECT_EQ(options.procfs, kFixtures);
  EXPECT_THAT(Describe(options.selectors),
              ::testing::ElementsAre("exe //gunicorn$/ as api", "port 8080 as web",
                                     "pid 4242 as worker", "pid 7", "exe /nginx/"));
}

TEST(ParseCommandLineTest, FileSettingsTheFlagsDoNotSetSurvive) {
  const Options options =
      OptionsFor({"--config", kFixtures + "/full.yaml", "--log-level", "error"});
  EXPECT_EQ(options.log_level, spdlog::level::err);
  EXPECT_EQ(options.ListenAddress(), "127.0.0.1:9100");
  EXPECT_EQ(options.max_tracked_processes, 1024u);
  EXPECT_EQ(options.capture_bytes, 1024u);
  EXPECT_EQ(options.max_routes_per_service, 200u);
  EXPECT_EQ(options.route_rules.patterns.size(), 2u);
  EXPECT_EQ(options.route_rules.exclude.size(), 2u);
}

TEST(ParseCommandLineTest, RouteFlagsComeAfterTheFilesWhereverConfigSits) {
  // Route patterns are tried in order, first match wins: the file's go first, then the flags'
  // in command-line order, whether a flag sits before or after --config.
  const Options options = OptionsFor({"--route", "/api/users/me/", "--exclude-route", "^/ping$",
                                      "--config", kFixtures + "/full.yaml", "--route",
                                      "/api/{version}/", "--exclude-route", "^/favicon"});
  EXPECT_THAT(options.route_rules.patterns,
              ::testing::ElementsAre("/api/users/{id}/", "/files/{path*}", "/api/users/me/",
                                     "/api/{version}/"));
  EXPECT_THAT(options.route_rules.exclude,
              ::testing::ElementsAre("^/healthz$", "^/static/", "^/ping$", "^/favicon"));
}

TEST(ParseCommandLineTest, SlowQueryThresholdAndCaptureLiterals) {
  EXPECT_EQ(OptionsFor({"--slow-query-threshold", "250ms"}).slow_query_threshold_ns, 250'000'000u);
  EXPECT_EQ(OptionsFor({"--slow-query-threshold=1.5s"}).slow_query_threshold_ns, 1'500'000'000u);
  EXPECT_TRUE(OptionsFor({"--capture-literals"}).capture_literals);
}

TEST(ParseCommandLineTest, DbFlagsOverrideTheFileAndTheFileTheDefaults) {
  const std::string file = kFixtures + "/db.yaml";
  const Options from_file = OptionsFor({"--config", file});
  EXPECT_EQ(from_file.slow_query_threshold_ns, 250'000'000u);
  EXPECT_EQ(from_file.slow_queries_kept, 50u);
  EXPECT_TRUE(from_file.capture_literals);

  // Before or after --config: the flag wins.
  for (const auto& args :
       {std::vector<std::string>{"--slow-query-threshold", "5ms", "--config", file},
        std::vector<std::string>{"--config", file, "--slow-query-threshold", "5ms"}}) {
    const Options options = OptionsFor(args);
    EXPECT_EQ(options.slow_query_threshold_ns, 5'000'000u);
    EXPECT_EQ(options.slow_queries_kept, 50u);  // no flag for it: the file's stays
    EXPECT_TRUE(options.capture_literals);
  }
}

TEST(ParseCommandLineTest, CaptureLiteralsFlagCanTurnTheFilesSwitchOff) {
  const Options options =
      OptionsFor({"--config", kFixtures + "/db.yaml", "--capture-literals=false"});
  EXPECT_FALSE(options.capture_literals);
  EXPECT_TRUE(OptionsFor({"--capture-literals=true"}).capture_literals);
}

struct ErrorCase {
  std::string name;
  std::vector<std::string> args;
  std::string error;  // the whole line; a prefix of it where ends_with_library_text
  bool ends_with_library_text = false;

  // ctest lists parameterized tests by name and value; the name says it all.
  friend void PrintTo(const ErrorCase& error_case, std::ostream* os) { *os << error_case.name; }
};

class CommandLineErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CommandLineErrorTest, ExitsWithUsageErrorAndOneLineNamingTheProblem) {
  const ParseResult result = Parse(GetParam().args);
  EXPECT_FALSE(result.options);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output, "");
  EXPECT_THAT(result.error, AllOf(StartsWith("hostlens: "), Not(HasSubstr("\n"))));
  if (GetParam().ends_with_library_text) {
    EXPECT_THAT(result.error, StartsWith(GetParam().error));
  } else {
    EXPECT_EQ(result.error, GetParam().error);
  }
}

const std::string kNotAnAddress = " is not an address (ADDR:PORT, [IPV6]:PORT or :PORT)";
const std::string kNotAPid = " is not a process ID (1-4194304)";
const std::string kNotAPort = " is not a port number (1-65535)";
const std::string kNotASize = " is not a size (bytes, or a number with a K, M or G suffix)";
const std::string kNotAProcessCount = " is not a number of processes (1-4194304)";
const std::string kNotACaptureSize = " is not a capture size (16-4096 bytes)";
const std::string kNotARouteCount = " is not a number of routes (1-100000)";

const ErrorCase kErrorCases[] = {
    // Arguments that are not flags of ours.
    {"UnknownFlag", {"--bogus"}, "hostlens: unknown option \"--bogus\" (see --help)"},
    {"UnknownFlagWithValue", {"--bogus=1"}, "hostlens: unknown option \"--bogus\" (see --help)"},
    {"UnknownShortFlag", {"-x"}, "hostlens: unknown option \"-x\" (see --help)"},
    {"MisspelledFlag", {"--ports", "80"}, "hostlens: unknown option \"--ports\" (see --help)"},
    {"PositionalArgument",
     {"foo"},
     "hostlens: unexpected argument \"foo\"; hostlens takes no positional arguments"},
    {"PositionalAfterDoubleDash",
     {"--", "foo"},
     "hostlens: unexpected argument \"foo\"; hostlens takes no positional arguments"},
    {"SecondValueForOneFlag",
     {"--pid", "1", "2"},
     "hostlens: unexpected argument \"2\"; hostlens takes no positional arguments"},
    // --listen
    {"ListenWithoutValue", {"--listen"}, "hostlens: --listen: 1 required ADDR:PORT missing"},
    {"ListenTwice",
     {"--listen", ":1", "--listen", ":2"},
     "hostlens: --listen: given 2 times; it takes one value"},
    {"ListenWithoutPort",
     {"--listen", "1.2.3.4"},
     "hostlens: --listen: \"1.2.3.4\"" + kNotAnAddress},
    {"ListenHostname",
     {"--listen", "localhost:9477"},
     "hostlens: --listen: \"localhost:9477\": \"localhost\" is not a numeric IPv4 address (host "
     "names are not accepted)"},
    {"ListenPortZero", {"--listen", ":0"}, "hostlens: --listen: \":0\": \"0\"" + kNotAPort},
    {"ListenPortTooLarge",
     {"--listen", "0.0.0.0:65536"},
     "hostlens: --listen: \"0.0.0.0:65536\": \"65536\"" + kNotAPort},
    {"ListenIpv6WithoutBrackets",
     {"--listen", "::1:9477"},
     "hostlens: --listen: \"::1:9477\": an IPv6 address needs brackets, as in [::1]:9477"},
    {"ListenBadIpv6",
     {"--listen", "[::g]:80"},
     "hostlens: --listen: \"[::g]:80\": \"::g\" is not a numeric IPv6 address"},
    {"ListenUnclosedBracket",
     {"--listen", "[::1:80"},
     "hostlens: --listen: \"[::1:80\"" + kNotAnAddress},
    // --pid
    {"PidWithoutValue", {"--pid"}, "hostlens: --pid: 1 required PID missing"},
    {"PidNotANumber", {"--pid", "abc"}, "hostlens: --pid: \"abc\"" + kNotAPid},
    {"PidZero", {"--pid", "0"}, "hostlens: --pid: \"0\"" + kNotAPid},
    {"PidNegative", {"--pid", "-5"}, "hostlens: --pid: \"-5\"" + kNotAPid},
    {"PidTooLarge", {"--pid", "4194305"}, "hostlens: --pid: \"4194305\"" + kNotAPid},
    {"PidEmpty", {"--pid", ""}, "hostlens: --pid: \"\"" + kNotAPid},
    {"SecondPidBad", {"--pid", "1", "--pid", "x"}, "hostlens: --pid: \"x\"" + kNotAPid},
    // --port
    {"PortWithoutValue", {"--port"}, "hostlens: --port: 1 required PORT missing"},
    {"PortNotANumber", {"--port", "abc"}, "hostlens: --port: \"abc\"" + kNotAPort},
    {"PortZero", {"--port", "0"}, "hostlens: --port: \"0\"" + kNotAPort},
    {"PortTooLarge", {"--port", "65536"}, "hostlens: --port: \"65536\"" + kNotAPort},
    {"PortWithNewline", {"--port", "80\n80"}, "hostlens: --port: \"80\\n80\"" + kNotAPort},
    // --exe
    {"ExeWithoutValue", {"--exe"}, "hostlens: --exe: 1 required REGEX missing"},
    {"ExeInvalidRegex",
     {"--exe", "gunicorn("},
     "hostlens: --exe: \"gunicorn(\" is not a valid regular expression: ",
     true},
    {"ExeEmpty",
     {"--exe", ""},
     "hostlens: --exe: the pattern is empty; it would match every process"},
    // --config
    {"ConfigWithoutValue", {"--config"}, "hostlens: --config: 1 required FILE missing"},
    {"ConfigTwice",
     {"--config", "a.yaml", "--config", "b.yaml"},
     "hostlens: --config: given 2 times; it takes one value"},
    {"ConfigMissing",
     {"--config", "/nonexistent/hostlens.yaml"},
     "hostlens: --config /nonexistent/hostlens.yaml: cannot open: No such file or directory"},
    {"ConfigIsADirectory",
     {"--config", kFixtures},
     "hostlens: --config " + kFixtures + ": cannot read: Is a directory"},
    {"ConfigUnknownKey",
     {"--config", kFixtures + "/unknown_key.yaml"},
     "hostlens: --config " + kFixtures +
         "/unknown_key.yaml: line 3: unknown key \"selectrs\" (known: listen, log_level, procfs, "
         "ring_buffer_size, max_tracked_processes, capture_bytes, capture_literals, selectors, "
         "http, db)"},
    {"ConfigBadRoute",
     {"--config", kFixtures + "/bad_route.yaml"},
     "hostlens: --config " + kFixtures +
         "/bad_route.yaml: line 4: routes: invalid route pattern \"/api/orders/{order_id\": a "
         "parameter must be a whole segment, \"{name}\" or \"{name*}\": \"{order_id\""},
    {"ConfigBadExcludeRoute",
     {"--config", kFixtures + "/bad_exclude_route.yaml"},
     "hostlens: --config " + kFixtures +
         "/bad_exclude_route.yaml: line 6: exclude_routes: invalid route exclude regex "
         "\"^/health(\": ",
     true},
    {"ConfigHttpUnknownKey",
     {"--config", kFixtures + "/http_unknown_key.yaml"},
     "hostlens: --config " + kFixtures +
         "/http_unknown_key.yaml: line 5: unknown http key \"exclude_route\" (known: routes, "
         "exclude_routes, max_routes_per_service)"},
    {"ConfigBadRouteEvenWithGoodRouteFlags",
     {"--route", "/ok/{id}", "--config", kFixtures + "/bad_route.yaml"},
     "hostlens: --config " + kFixtures +
         "/bad_route.yaml: line 4: routes: invalid route pattern \"/api/orders/{order_id\": a "
         "parameter must be a whole segment, \"{name}\" or \"{name*}\": \"{order_id\""},
    {"ConfigSelectorWithTwoKinds",
     {"--config", kFixtures + "/selector_two_kinds.yaml"},
     "hostlens: --config " + kFixtures +
         "/selector_two_kinds.yaml: line 4: selector needs exactly one of pid, port, exe; it has "
         "port and exe"},
    {"ConfigBadRegex",
     {"--config", kFixtures + "/bad_regex.yaml"},
     "hostlens: --config " + kFixtures +
         "/bad_regex.yaml: line 4: exe: \"gunicorn(\" is not a valid regular expression: ",
     true},
    {"ConfigBadSyntax",
     {"--config", kFixtures + "/bad_syntax.yaml"},
     "hostlens: --config " + kFixtures +
         "/bad_syntax.yaml: line 4: end of sequence flow not found"},
    // --procfs
    {"ProcfsWithoutValue", {"--procfs"}, "hostlens: --procfs: 1 required DIR missing"},
    {"ProcfsMissing",
     {"--procfs", "/nonexistent/proc"},
     "hostlens: --procfs: \"/nonexistent/proc\" does not exist"},
    {"ProcfsNotADirectory",
     {"--procfs", kFixtures + "/full.yaml"},
     "hostlens: --procfs: \"" + kFixtures + "/full.yaml\" is not a directory"},
    // --log-level
    {"LogLevelWithoutValue", {"--log-level"}, "hostlens: --log-level: 1 required LEVEL missing"},
    {"LogLevelUnknown",
     {"--log-level", "verbose"},
     "hostlens: --log-level: \"verbose\" is not a log level (trace, debug, info, warn, error, "
     "off)"},
    {"LogLevelUppercase",
     {"--log-level", "INFO"},
     "hostlens: --log-level: \"INFO\" is not a log level (trace, debug, info, warn, error, off)"},
    // --ring-buffer-size
    {"RingBufferWithoutValue",
     {"--ring-buffer-size"},
     "hostlens: --ring-buffer-size: 1 required BYTES missing"},
    {"RingBufferNotASize",
     {"--ring-buffer-size", "8MB"},
     "hostlens: --ring-buffer-size: \"8MB\"" + kNotASize},
    {"RingBufferNotAPowerOfTwo",
     {"--ring-buffer-size", "12288"},
     "hostlens: --ring-buffer-size: \"12288\" is not a power of two"},
    {"RingBufferTooSmall",
     {"--ring-buffer-size", "1K"},
     "hostlens: --ring-buffer-size: \"1K\" is smaller than a page (",
     true},
    {"RingBufferTooLarge",
     {"--ring-buffer-size", "2G"},
     "hostlens: --ring-buffer-size: \"2G\" is larger than the maximum of 1G"},
    // --max-tracked-processes
    {"MaxTrackedWithoutValue",
     {"--max-tracked-processes"},
     "hostlens: --max-tracked-processes: 1 required N missing"},
    {"MaxTrackedZero",
     {"--max-tracked-processes", "0"},
     "hostlens: --max-tracked-processes: \"0\"" + kNotAProcessCount},
    {"MaxTrackedTooLarge",
     {"--max-tracked-processes", "4194305"},
     "hostlens: --max-tracked-processes: \"4194305\"" + kNotAProcessCount},
    {"MaxTrackedNotANumber",
     {"--max-tracked-processes", "many"},
     "hostlens: --max-tracked-processes: \"many\"" + kNotAProcessCount},
    // --capture-bytes
    {"CaptureBytesWithoutValue",
     {"--capture-bytes"},
     "hostlens: --capture-bytes: 1 required N missing"},
    {"CaptureBytesTwice",
     {"--capture-bytes", "64", "--capture-bytes", "128"},
     "hostlens: --capture-bytes: given 2 times; it takes one value"},
    {"CaptureBytesTooSmall",
     {"--capture-bytes", "15"},
     "hostlens: --capture-bytes: \"15\"" + kNotACaptureSize},
    {"CaptureBytesZero",
     {"--capture-bytes", "0"},
     "hostlens: --capture-bytes: \"0\"" + kNotACaptureSize},
    {"CaptureBytesTooLarge",
     {"--capture-bytes", "4097"},
     "hostlens: --capture-bytes: \"4097\"" + kNotACaptureSize},
    {"CaptureBytesHuge",
     {"--capture-bytes", "99999999999999999999"},
     "hostlens: --capture-bytes: \"99999999999999999999\"" + kNotACaptureSize},
    {"CaptureBytesNotANumber",
     {"--capture-bytes", "all"},
     "hostlens: --capture-bytes: \"all\"" + kNotACaptureSize},
    {"CaptureBytesWithSuffix",
     {"--capture-bytes", "4K"},
     "hostlens: --capture-bytes: \"4K\"" + kNotACaptureSize},
    {"CaptureBytesNegative",
     {"--capture-bytes", "-512"},
     "hostlens: --capture-bytes: \"-512\"" + kNotACaptureSize},
    // --without-kernel-feature
    {"WithoutKernelFeatureUnknown",
     {"--without-kernel-feature", "ring_buffer"},
     "hostlens: --without-kernel-feature: \"ring_buffer\" is not a kernel feature with a "
     "fallback (task_storage, uprobe_multi, task_pt_regs)"},
    // --route
    {"RouteWithoutValue", {"--route"}, "hostlens: --route: 1 required PATTERN missing"},
    {"RouteWithoutLeadingSlash",
     {"--route", "api/users/{id}"},
     "hostlens: --route: invalid route pattern \"api/users/{id}\": must start with \"/\""},
    {"RouteEmpty",
     {"--route", ""},
     "hostlens: --route: invalid route pattern \"\": must start "
     "with \"/\""},
    {"RouteUnclosedParameter",
     {"--route", "/users/{id"},
     "hostlens: --route: invalid route pattern \"/users/{id\": a parameter must be a whole "
     "segment, \"{name}\" or \"{name*}\": \"{id\""},
    {"RouteWildcardNotLast",
     {"--route", "/files/{path*}/raw"},
     "hostlens: --route: invalid route pattern \"/files/{path*}/raw\": a {name*} wildcard must "
     "be the last segment"},
    {"RouteWithQuery",
     {"--route", "/search?q=1"},
     "hostlens: --route: invalid route pattern \"/search?q=1\": query strings and fragments are "
     "never part of a route"},
    {"RouteWithNewline",
     {"--route", "/a\nb"},
     "hostlens: --route: invalid route pattern \"/a\\nb\": contains spaces, control characters "
     "or invalid UTF-8"},
    {"SecondRouteBad",
     {"--route", "/a/{id}", "--route", "/b//c"},
     "hostlens: --route: invalid route pattern \"/b//c\": empty segment (\"//\")"},
    // --exclude-route
    {"ExcludeRouteWithoutValue",
     {"--exclude-route"},
     "hostlens: --exclude-route: 1 required REGEX missing"},
    {"ExcludeRouteInvalidRegex",
     {"--exclude-route", "^/health("},
     "hostlens: --exclude-route: invalid route exclude regex \"^/health(\": ",
     true},
    {"ExcludeRouteBadRepeat",
     {"--exclude-route", "^/ok$", "--exclude-route", "*.png$"},
     "hostlens: --exclude-route: invalid route exclude regex \"*.png$\": ",
     true},
    {"ExcludeRouteEmpty",
     {"--exclude-route", ""},
     "hostlens: --exclude-route: invalid route exclude regex \"\": it would exclude every "
     "request"},
    // --max-routes-per-service
    {"MaxRoutesWithoutValue",
     {"--max-routes-per-service"},
     "hostlens: --max-routes-per-service: 1 required N missing"},
    {"MaxRoutesTwice",
     {"--max-routes-per-service", "1", "--max-routes-per-service", "2"},
     "hostlens: --max-routes-per-service: given 2 times; it takes one value"},
    {"MaxRoutesZero",
     {"--max-routes-per-service", "0"},
     "hostlens: --max-routes-per-service: \"0\"" + kNotARouteCount},
    {"MaxRoutesTooLarge",
     {"--max-routes-per-service", "100001"},
     "hostlens: --max-routes-per-service: \"100001\"" + kNotARouteCount},
    {"MaxRoutesNotANumber",
     {"--max-routes-per-service", "unlimited"},
     "hostlens: --max-routes-per-service: \"unlimited\"" + kNotARouteCount},
    // --slow-query-threshold
    {"SlowQueryThresholdWithoutValue",
     {"--slow-query-threshold"},
     "hostlens: --slow-query-threshold: 1 required DURATION missing"},
    {"SlowQueryThresholdTwice",
     {"--slow-query-threshold", "1s", "--slow-query-threshold", "2s"},
     "hostlens: --slow-query-threshold: given 2 times; it takes one value"},
    {"SlowQueryThresholdWithoutUnit",
     {"--slow-query-threshold", "100"},
     "hostlens: --slow-query-threshold: \"100\" is not a duration from 1us to 1h (e.g. 100ms, "
     "1s, 250us)"},
    {"SlowQueryThresholdTooLong",
     {"--slow-query-threshold", "2h"},
     "hostlens: --slow-query-threshold: \"2h\" is not a duration from 1us to 1h (e.g. 100ms, "
     "1s, 250us)"},
    {"CaptureLiteralsNotASwitch", {"--capture-literals=maybe"}, "hostlens: ", true},
};

INSTANTIATE_TEST_SUITE_P(AllProblems, CommandLineErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hostlens::config
