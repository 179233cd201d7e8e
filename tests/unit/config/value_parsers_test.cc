#include "agent/config/value_parsers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "hostlens/abi/events.h"

namespace hostlens::config {
namespace {

using ::testing::HasSubstr;

TEST(ParsePortTest, AcceptsTheWholeRange) {
  std::string error;
  EXPECT_EQ(ParsePort("1", &error), 1);
  EXPECT_EQ(ParsePort("8080", &error), 8080);
  EXPECT_EQ(ParsePort("65535", &error), 65535);
  EXPECT_EQ(ParsePort("08080", &error), 8080);
}

TEST(ParsePortTest, RefusesWhatIsNotAPortNumber) {
  for (const char* text :
       {"", "0", "65536", "-1", "+80", " 80", "80 ", "8o", "99999999999999999999"}) {
    std::string error;
    EXPECT_EQ(ParsePort(text, &error), std::nullopt) << text;
    EXPECT_EQ(error, Quote(text) + " is not a port number (1-65535)");
  }
}

TEST(ParsePidTest, AcceptsPositivePidsUpToThePidLimit) {
  std::string error;
  EXPECT_EQ(ParsePid("1", &error), 1);
  EXPECT_EQ(ParsePid("4194304", &error), 4194304);
  EXPECT_EQ(ParsePid("4194305", &error), std::nullopt);
  EXPECT_EQ(error, "\"4194305\" is not a process ID (1-4194304)");
  EXPECT_EQ(ParsePid("0", &error), std::nullopt);
  EXPECT_EQ(ParsePid("-5", &error), std::nullopt);
  EXPECT_EQ(ParsePid("self", &error), std::nullopt);
}

TEST(ParseListenAddressTest, AcceptsIpv4Ipv6AndPortOnly) {
  std::string error;
  std::optional<ListenAddress> address = ParseListenAddress("127.0.0.1:8080", &error);
  ASSERT_TRUE(address) << error;
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 8080);

  address = ParseListenAddress("[::1]:9477", &error);
  ASSERT_TRUE(address) << error;
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 9477);

  address = ParseListenAddress("[::]:1", &error);
  ASSERT_TRUE(address) << error;
  EXPECT_EQ(address->host, "::");

  address = ParseListenAddress(":9000", &error);
  ASSERT_TRUE(address) << error;
  EXPECT_EQ(address->host, "0.0.0.0");
  EXPECT_EQ(address->port, 9000);
}

TEST(ParseListenAddressTest, ExplainsWhatIsWrong) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case kCases[] = {
      {"9477", "\"9477\" is not an address (ADDR:PORT, [IPV6]:PORT or :PORT)"},
      {"", "\"\" is not an address (ADDR:PORT, [IPV6]:PORT or :PORT)"},
      {"localhost:9477",
       "\"localhost:9477\": \"localhost\" is not a numeric IPv4 address (host names are not "
       "accepted)"},
      {"1.2.3:80", "\"1.2.3:80\": \"1.2.3\" is not a numeric IPv4 address"},
      {"1.2.3.4:", "\"1.2.3.4:\": \"\" is not a port number (1-65535)"},
      {":0", "\":0\": \"0\" is not a port number (1-65535)"},
      {"::1:9477", "\"::1:9477\": an IPv6 address needs brackets, as in [::1]:9477"},
      {"[::1]", "\"[::1]\" is not an address"},
      {"[::1:9477", "\"[::1:9477\" is not an address"},
      {"[::1]9477", "\"[::1]9477\" is not an address"},
      {"[1.2.3.4]:80", "\"[1.2.3.4]:80\": \"1.2.3.4\" is not a numeric IPv6 address"},
      {"[fe80::1%eth0]:80", "\"fe80::1%eth0\" is not a numeric IPv6 address"},
  };
  for (const Case& c : kCases) {
    std::string error;
    EXPECT_EQ(ParseListenAddress(c.text, &error), std::nullopt) << c.text;
    EXPECT_THAT(error, HasSubstr(c.error));
  }
}

TEST(ParseLogLevelTest, AcceptsTheDocumentedNamesOnly) {
  std::string error;
  EXPECT_EQ(ParseLogLevel("trace", &error), spdlog::level::trace);
  EXPECT_EQ(ParseLogLevel("debug", &error), spdlog::level::debug);
  EXPECT_EQ(ParseLogLevel("info", &error), spdlog::level::info);
  EXPECT_EQ(ParseLogLevel("warn", &error), spdlog::level::warn);
  EXPECT_EQ(ParseLogLevel("error", &error), spdlog::level::err);
  EXPECT_EQ(ParseLogLevel("off", &error), spdlog::level::off);
  EXPECT_EQ(ParseLogLevel("INFO", &error), std::nullopt);
  EXPECT_EQ(error, "\"INFO\" is not a log level (trace, debug, info, warn, error, off)");
}

TEST(ParseRingBufferSizeTest, AcceptsBytesAndBinarySuffixes) {
  std::string error;
  EXPECT_EQ(ParseRingBufferSize("8388608", &error), 8u << 20);
  EXPECT_EQ(ParseRingBufferSize("64K", &error), 64u << 10);
  EXPECT_EQ(ParseRingBufferSize("64KiB", &error), 64u << 10);
  EXPECT_EQ(ParseRingBufferSize("8M", &error), 8u << 20);
  EXPECT_EQ(ParseRingBufferSize("8MiB", &error), 8u << 20);
  EXPECT_EQ(ParseRingBufferSize("1G", &error), 1u << 30);
  EXPECT_EQ(ParseRingBufferSize("1GiB", &error), 1u << 30);
  const auto page_size = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
  EXPECT_EQ(ParseRingBufferSize(std::to_string(page_size), &error), page_size);
}

TEST(ParseRingBufferSizeTest, ExplainsWhatIsWrong) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case kCases[] = {
      {"", "\"\" is not a size (bytes, or a number with a K, M or G suffix)"},
      {"8MB", "\"8MB\" is not a size"},
      {"M", "\"M\" is not a size"},
      {"-8M", "\"-8M\" is not a size"},
      {"99999999999G", "\"99999999999G\" is not a size"},
      {"0", "\"0\" is smaller than a page ("},
      {"1K", "\"1K\" is smaller than a page ("},
      {"2G", "\"2G\" is larger than the maximum of 1G"},
      {"4294967296", "\"4294967296\" is larger than the maximum of 1G"},
      {"3M", "\"3M\" is not a power of two"},
      {"12288", "\"12288\" is not a power of two"},
  };
  for (const Case& c : kCases) {
    std::string error;
    EXPECT_EQ(ParseRingBufferSize(c.text, &error), std::nullopt) << c.text;
    EXPECT_THAT(error, HasSubstr(c.error));
  }
}

TEST(ParseMaxTrackedProcessesTest, AcceptsOneToThePidLimit) {
  std::string error;
  EXPECT_EQ(ParseMaxTrackedProcesses("1", &error), 1u);
  EXPECT_EQ(ParseMaxTrackedProcesses("4194304", &error), 4194304u);
  for (const char* text : {"0", "4194305", "many", ""}) {
    EXPECT_EQ(ParseMaxTrackedProcesses(text, &error), std::nullopt) << text;
    EXPECT_EQ(error, Quote(text) + " is not a number of processes (1-4194304)");
  }
}

TEST(ParseCaptureBytesTest, AcceptsSixteenToTheKernelMaximum) {
  std::string error;
  EXPECT_EQ(ParseCaptureBytes("16", &error), 16u);
  EXPECT_EQ(ParseCaptureBytes("512", &error), 512u);
  EXPECT_EQ(ParseCaptureBytes("4096", &error), 4096u);
  EXPECT_EQ(kMaxCaptureBytes, static_cast<uint32_t>(HL_CAPTURE_MAX));
  for (const char* text :
       {"15", "0", "4097", "1K", "-16", " 512", "512 ", "", "0x200", "99999999999999999999"}) {
    EXPECT_EQ(ParseCaptureBytes(text, &error), std::nullopt) << text;
    EXPECT_EQ(error, Quote(text) + " is not a capture size (16-4096 bytes)");
  }
}

TEST(ParseMaxRoutesPerServiceTest, AcceptsOneToOneHundredThousand) {
  std::string error;
  EXPECT_EQ(ParseMaxRoutesPerService("1", &error), 1u);
  EXPECT_EQ(ParseMaxRoutesPerService("500", &error), 500u);
  EXPECT_EQ(ParseMaxRoutesPerService("100000", &error), 100000u);
  for (const char* text : {"0", "100001", "-1", "1e3", "many", ""}) {
    EXPECT_EQ(ParseMaxRoutesPerService(text, &error), std::nullopt) << text;
    EXPECT_EQ(error, Quote(text) + " is not a number of routes (1-100000)");
  }
}

TEST(ParseSlowQueryThresholdTest, AcceptsDurationsFromOneMicrosecondToOneHour) {
  const std::pair<const char*, uint64_t> kCases[] = {
      {"100ms", 100'000'000},    {"1s", 1'000'000'000},        {"250us", 250'000},
      {"1.5s", 1'500'000'000},   {"2m", 120'000'000'000},      {"1us", 1'000},
      {"0.5ms", 500'000},        {"3600s", 3'600'000'000'000}, {"60m", 3'600'000'000'000},
      {"1h", 3'600'000'000'000}, {"0.001ms", 1'000},           {"007ms", 7'000'000}};
  for (const auto& [text, ns] : kCases) {
    std::string error;
    EXPECT_EQ(ParseSlowQueryThreshold(text, &error), ns) << text << ": " << error;
  }
}

TEST(ParseSlowQueryThresholdTest, RefusesWhatIsNotADurationInRange) {
  for (const char* text : {"",      "100",   "ms",    "0ms",    "0.5us",
                           "999ns", "100ns", "61m",   "3601s",  "2h",
                           ".5s",   "5.s",   "1..5s", "1.2.3s", "-1s",
                           "+1s",   " 1s",   "1s ",   "1 s",    "1S",
                           "1MS",   "1e3ms", "1sec",  "0x10ms", "123456789012345678901ms"}) {
    std::string error;
    EXPECT_EQ(ParseSlowQueryThreshold(text, &error), std::nullopt) << text;
    EXPECT_EQ(error, Quote(text) + " is not a duration from 1us to 1h (e.g. 100ms, 1s, 250us)");
  }
}

TEST(ParseSlowQueriesKeptTest, AcceptsOneToTheMaximum) {
  std::string error;
  EXPECT_EQ(ParseSlowQueriesKept("1", &error), 1u);
  EXPECT_EQ(ParseSlowQueriesKept("200", &error), 200u);
  EXPECT_EQ(ParseSlowQueriesKept("100000", &error), kMaxSlowQueriesKept);
  for (const char* text : {"0", "100001", "-1", "1e3", "many", "", " 5"}) {
    EXPECT_EQ(ParseSlowQueriesKept(text, &error), std::nullopt) << text;
    EXPECT_EQ(error, Quote(text) + " is not a number of statements (1-100000)");
  }
}

TEST(ParseSwitchTest, AcceptsTheUsualSpellings) {
  std::string error;
  for (const char* yes : {"true", "yes", "on", "1"}) EXPECT_EQ(ParseSwitch(yes, &error), true);
  for (const char* no : {"false", "no", "off", "0"}) EXPECT_EQ(ParseSwitch(no, &error), false);
  for (const char* text : {"", "maybe", "2", "enabled", " true"}) {
    EXPECT_EQ(ParseSwitch(text, &error), std::nullopt) << text;
    EXPECT_EQ(error, Quote(text) + " is not true or false");
  }
}

TEST(ParseRoutePatternTest, AcceptsWhatTheTemplaterAccepts) {
  for (const char* pattern : {"/", "/api/users/{id}/", "/files/{path*}", "/a/{b}/c/{d_2}"}) {
    std::string error;
    EXPECT_EQ(ParseRoutePattern(pattern, &error), pattern) << error;
  }
}

TEST(ParseRoutePatternTest, GivesTheTemplatersReasonOnOneLine) {
  std::string error;
  EXPECT_EQ(ParseRoutePattern("users/{id}", &error), std::nullopt);
  EXPECT_EQ(error, "invalid route pattern \"users/{id}\": must start with \"/\"");
  EXPECT_EQ(ParseRoutePattern("/files/{p*}/x", &error), std::nullopt);
  EXPECT_EQ(error,
            "invalid route pattern \"/files/{p*}/x\": a {name*} wildcard must be the last "
            "segment");
  EXPECT_EQ(ParseRoutePattern("/a\r\nb\x7f", &error), std::nullopt);
  EXPECT_EQ(error,
            "invalid route pattern \"/a\\x0d\\nb\\x7f\": contains spaces, control "
            "characters or invalid UTF-8");
}

TEST(ParseExcludeRouteTest, AcceptsEcmaScriptRegexes) {
  for (const char* regex : {"^/healthz$", "^/static/", "\\.(png|css)$", "^/api/v[0-9]+/ping$"}) {
    std::string error;
    EXPECT_EQ(ParseExcludeRoute(regex, &error), regex) << error;
  }
}

TEST(ParseExcludeRouteTest, RefusesInvalidAndEmptyRegexes) {
  std::string error;
  EXPECT_EQ(ParseExcludeRoute("^/health(", &error), std::nullopt);
  EXPECT_THAT(error, ::testing::StartsWith("invalid route exclude regex \"^/health(\": "));
  EXPECT_EQ(ParseExcludeRoute("[a-", &error), std::nullopt);
  EXPECT_THAT(error, ::testing::StartsWith("invalid route exclude regex \"[a-\": "));
  EXPECT_EQ(ParseExcludeRoute("(\n", &error), std::nullopt);
  EXPECT_THAT(error, ::testing::StartsWith("invalid route exclude regex \"(\\n\": "));
  EXPECT_EQ(ParseExcludeRoute("", &error), std::nullopt);
  EXPECT_EQ(error, "invalid route exclude regex \"\": it would exclude every request");
}

TEST(ParseExeSelectorTest, CompilesThePattern) {
  std::string error;
  std::optional<Selector> selector = ParseExeSelector("/gunicorn$", &error);
  ASSERT_TRUE(selector) << error;
  EXPECT_EQ(selector->kind, Selector::Kind::kExe);
  EXPECT_EQ(selector->exe_pattern, "/gunicorn$");
  ASSERT_NE(selector->exe_regex, nullptr);
  EXPECT_TRUE(std::regex_search("/usr/bin/gunicorn", *selector->exe_regex));
  EXPECT_TRUE(selector->service_name.empty());
}

TEST(ParseExeSelectorTest, RefusesInvalidAndEmptyPatterns) {
  std::string error;
  EXPECT_EQ(ParseExeSelector("gunicorn(", &error), std::nullopt);
  EXPECT_THAT(error, HasSubstr("\"gunicorn(\" is not a valid regular expression: "));
  EXPECT_EQ(ParseExeSelector("[a-", &error), std::nullopt);
  EXPECT_THAT(error, HasSubstr("\"[a-\" is not a valid regular expression"));
  EXPECT_EQ(ParseExeSelector("", &error), std::nullopt);
  EXPECT_EQ(error, "the pattern is empty; it would match every process");
}

TEST(CheckDirectoryTest, TellsMissingFromNotADirectory) {
  const std::string fixtures = HOSTLENS_SOURCE_DIR "/tests/fixtures/config";
  std::string error;
  EXPECT_TRUE(CheckDirectory(fixtures, &error));
  EXPECT_FALSE(CheckDirectory(fixtures + "/full.yaml", &error));
  EXPECT_EQ(error, Quote(fixtures + "/full.yaml") + " is not a directory");
  EXPECT_FALSE(CheckDirectory("/nonexistent/proc", &error));
  EXPECT_EQ(error, "\"/nonexistent/proc\" does not exist");
}

TEST(QuoteTest, KeepsMessagesOnOneLine) {
  EXPECT_EQ(Quote("abc"), "\"abc\"");
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote("a\nb\tc\x01"), "\"a\\nb\\tc\\x01\"");
}

}  // namespace
}  // namespace hostlens::config
