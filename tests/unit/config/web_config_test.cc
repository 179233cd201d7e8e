#include "agent/config/web_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "agent/config/command_line.h"

namespace hostlens::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

// A valid bcrypt hash (of "secret", cost 4).
constexpr char kHash[] = "$2y$04$X8yOB8ZH3zw7PEOjrtLmCuC6KPojgrf0Nw8valkzcp1srjtXkwM6m";

WebConfigResult Parse(std::string_view yaml) { return ParseWebConfig(yaml, "web.yml", "/etc/hl"); }

std::string ErrorOf(std::string_view yaml) {
  const WebConfigResult result = Parse(yaml);
  EXPECT_FALSE(result.config) << yaml;
  EXPECT_THAT(result.error, Not(HasSubstr("\n")));
  return result.error;
}

TEST(WebConfigTest, ReadsEveryKey) {
  const WebConfigResult result = Parse(std::string(R"(
tls_server_config:
  cert_file: server.crt
  key_file: /abs/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: certs/ca.crt
basic_auth_users:
  prometheus: )") + kHash + "\n  other: '" + kHash + "'\n");
  ASSERT_TRUE(result.config) << result.error;
  ASSERT_TRUE(result.config->tls);
  const TlsServerConfig& tls = *result.config->tls;
  EXPECT_EQ(tls.cert_file, "/etc/hl/server.crt");  // relative to the file's directory
  EXPECT_EQ(tls.key_file, "/abs/server.key");
  EXPECT_EQ(tls.client_ca_file, "/etc/hl/certs/ca.crt");
  EXPECT_EQ(tls.client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_THAT(result.config->basic_auth_users,
              ElementsAre(Pair("other", kHash), Pair("prometheus", kHash)));
}

TEST(WebConfigTest, EmptyFileAndEmptySectionsSetNothing) {
  for (std::string_view yaml : {"", "# nothing\n", "basic_auth_users:\n"}) {
    const WebConfigResult result = Parse(yaml);
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_FALSE(result.config->tls);
    EXPECT_TRUE(result.config->basic_auth_users.empty());
  }
}

TEST(WebConfigTest, EachClientAuthType) {
  const std::pair<std::string_view, ClientAuth> cases[] = {
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
  };
  for (const auto& [name, value] : cases) {
    const bool verifies = value == ClientAuth::kVerifyClientCertIfGiven ||
                          value == ClientAuth::kRequireAndVerifyClientCert;
    const std::string yaml = "tls_server_config:\n  cert_file: c\n  key_file: k\n"
                             "  client_auth_type: " + std::string(name) + "\n" +
                             (verifies ? "  client_ca_file: ca\n" : "");
    const WebConfigResult result = Parse(yaml);
    ASSERT_TRUE(result.config) << name << ": " << result.error;
    EXPECT_EQ(result.config->tls->client_auth, value);
    EXPECT_EQ(ClientAuthName(value), name);
  }
  EXPECT_EQ(Parse("tls_server_config: {cert_file: c, key_file: k}").config->tls->client_auth,
            ClientAuth::kNoClientCert);
}

TEST(WebConfigTest, Errors) {
  const std::pair<std::string, std::string> cases[] = {
      {"tls_server_config: {cert_file: c, key_file: k}\nhttp_server_config: {}\n",
       "web.yml: line 2: unknown key \"http_server_config\" (known: tls_server_config, "
       "basic_auth_users)"},
      {"tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS13\n",
       "web.yml: line 4: unknown tls_server_config key \"min_version\" (known: cert_file, "
       "key_file, client_auth_type, client_ca_file)"},
      {"tls_server_config:\n  key_file: k\n", "web.yml: line 2: tls_server_config: missing cert_file"},
      {"tls_server_config:\n  cert_file: c\n", "web.yml: line 2: tls_server_config: missing key_file"},
      {"tls_server_config:\n", "web.yml: line 1: tls_server_config: expected a mapping with "
                               "cert_file and key_file, got nothing"},
      {"tls_server_config: [a]\n", "web.yml: line 1: tls_server_config: expected a mapping with "
                                   "cert_file and key_file, got a list"},
      {"tls_server_config:\n  cert_file:\n  key_file: k\n",
       "web.yml: line 2: cert_file: missing value"},
      {"tls_server_config:\n  cert_file: [a]\n  key_file: k\n",
       "web.yml: line 2: cert_file: expected a single value, got a list"},
      {"tls_server_config:\n  cert_file: c\n  cert_file: d\n  key_file: k\n",
       "web.yml: line 3: duplicate key \"cert_file\""},
      {"tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: Always\n",
       "web.yml: line 4: client_auth_type: \"Always\" is not one of NoClientCert, "
       "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"},
      {"tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: "
       "RequireAndVerifyClientCert\n",
       "web.yml: line 2: tls_server_config: client_auth_type RequireAndVerifyClientCert needs "
       "client_ca_file"},
      {"tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: "
       "VerifyClientCertIfGiven\n",
       "web.yml: line 2: tls_server_config: client_auth_type VerifyClientCertIfGiven needs "
       "client_ca_file"},
      {"tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n",
       "web.yml: line 2: tls_server_config: client_ca_file is set but client_auth_type is "
       "NoClientCert (set VerifyClientCertIfGiven or RequireAndVerifyClientCert)"},
      {"basic_auth_users: [a]\n",
       "web.yml: line 1: basic_auth_users: expected a mapping of user: bcrypt hash, got a list"},
      {"basic_auth_users:\n  prometheus:\n", "web.yml: line 2: basic_auth_users: \"prometheus\": "
                                             "missing value"},
      {"basic_auth_users:\n  \"a:b\": x\n",
       "web.yml: line 2: basic_auth_users: user name \"a:b\" must be non-empty without ':'"},
      {"basic_auth_users:\n  \"\": x\n",
       "web.yml: line 2: basic_auth_users: user name \"\" must be non-empty without ':'"},
      {"basic_auth_users:\n  p: " + std::string(kHash) + "\n  p: y\n",
       "web.yml: line 3: duplicate key \"p\""},
      {"- a\n", "web.yml: line 1: expected a mapping of settings (key: value), got a list"},
      {"a: 1\n---\nb: 2\n", "web.yml: line 2: only one YAML document is allowed"},
      {"a: [\n", "web.yml: line 2: end of sequence flow not found"},
  };
  for (const auto& [yaml, error] : cases) EXPECT_EQ(ErrorOf(yaml), error) << yaml;
}

TEST(WebConfigTest, RefusesWhatIsNotABcryptHashWithoutQuotingIt) {
  const std::string hash(kHash);
  for (const std::string& bad :
       {std::string("hunter2"), hash.substr(0, 59), hash + "x", "$1$" + hash.substr(3),
        "$2x$" + hash.substr(4), "$2y$03$" + hash.substr(7), "$2y$32$" + hash.substr(7),
        hash.substr(0, 20) + "!" + hash.substr(21)}) {
    const std::string error = ErrorOf("basic_auth_users:\n  prometheus: '" + bad + "'\n");
    EXPECT_THAT(error, HasSubstr("line 2: basic_auth_users: \"prometheus\": not a bcrypt hash"));
    EXPECT_THAT(error, Not(HasSubstr(bad))) << "the value may be a password";
  }
  for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
    const WebConfigResult result =
        Parse("basic_auth_users:\n  p: '" + std::string(prefix) + (kHash + 4) + "'\n");
    EXPECT_TRUE(result.config) << result.error;
  }
}

TEST(WebConfigTest, LoadResolvesRelativePathsAgainstTheFilesDirectory) {
  char dir_template[] = "/tmp/web_config_test.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string path = dir + "/web.yml";
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("tls_server_config:\n  cert_file: a.crt\n  key_file: ../b.key\n", file);
  std::fclose(file);
  const WebConfigResult result = LoadWebConfig(path);
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->tls->cert_file, dir + "/a.crt");
  EXPECT_EQ(result.config->tls->key_file, dir + "/../b.key");
  std::remove(path.c_str());
  rmdir(dir.c_str());

  EXPECT_EQ(LoadWebConfig("/nonexistent/web.yml").error,
            "/nonexistent/web.yml: cannot open: No such file or directory");
  EXPECT_EQ(LoadWebConfig("/dev/zero").error,
            "/dev/zero: larger than 1 MiB; is this the web config file?");
}

// Through the command line: errors exit 2 as the config file's do.
TEST(WebConfigTest, CommandLine) {
  const char* missing[] = {"hostlens", "--web-config-file", "/nonexistent/web.yml"};
  ParseResult result = ParseCommandLine(3, missing, "test");
  EXPECT_EQ(result.exit_code, kUsageExitCode);
  EXPECT_EQ(result.error,
            "hostlens: --web-config-file /nonexistent/web.yml: cannot open: No such file or "
            "directory");

  const char* twice[] = {"hostlens", "--web-config-file", "a", "--web-config-file", "b"};
  result = ParseCommandLine(5, twice, "test");
  EXPECT_EQ(result.error, "hostlens: --web-config-file: given 2 times; it takes one value");

  const char* none[] = {"hostlens"};
  result = ParseCommandLine(1, none, "test");
  ASSERT_TRUE(result.options);
  EXPECT_FALSE(result.options->web_config);
  EXPECT_FALSE(result.options->web_open_health);

  const char* open[] = {"hostlens", "--web-open-health"};
  result = ParseCommandLine(2, open, "test");
  ASSERT_TRUE(result.options) << result.error;
  EXPECT_TRUE(result.options->web_open_health);
}

}  // namespace
}  // namespace hostlens::config
