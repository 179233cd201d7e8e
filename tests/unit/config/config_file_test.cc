#include "agent/config/config_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace hostlens::config {
namespace {

using ::testing::HasSubstr;
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
    EXPECT_TRUE(result.settings->selectors.empty());
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
    {"SecondDocument", "listen: :1\n---\nlisten: :2\n",
     "line 3: only one YAML document is allowed"},
    {"UnknownKey", "listen: :1\nlog_level: info\nselectrs: []\n",
     "line 3: unknown key \"selectrs\" (known: listen, log_level, procfs, ring_buffer_size, "
     "max_tracked_processes, selectors)"},
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
}

}  // namespace
}  // namespace hostlens::config
