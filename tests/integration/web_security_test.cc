// --web-config-file end to end: the real agent over TLS with Basic auth and client
// certificates, checked with curl and scraped by a real Prometheus (Debian's /usr/bin/prometheus).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// bcrypt of `password` made the way the brief's users would, with Python's crypt module.
std::string Bcrypt(const std::string& password) {
  CommandResult made = RunCommand(
      "/usr/bin/python3 -W ignore -c \"import crypt; print(crypt.crypt('" + password +
      "', crypt.mksalt(crypt.METHOD_BLOWFISH)))\"");
  if (made.exit_code != 0) return "";
  while (!made.output.empty() && made.output.back() == '\n') made.output.pop_back();
  return made.output;
}

struct CurlResult {
  int exit_code = -1;  // curl's: 0 when an HTTP answer came, whatever its status
  int status = 0;
  std::string body;
};

// curl `args` (options and URL); the body goes through a file so that the status stays apart.
CurlResult Curl(const std::string& dir, const std::string& args) {
  const std::string body_path = dir + "/curl-body";
  unlink(body_path.c_str());
  CommandResult run = RunCommand("curl -sS --max-time 10 -o " + body_path +
                                 " -w '%{http_code}' " + args);
  CurlResult result;
  result.exit_code = run.exit_code;
  if (run.exit_code == 0) result.status = std::atoi(run.output.c_str());
  std::ifstream in(body_path);
  result.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return result;
}

class WebSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    const std::string made = MakeTestCertificate(dir_.path());
    ASSERT_EQ(made, "");
    hash_ = Bcrypt("secret");
    ASSERT_THAT(hash_, StartsWith("$2b$")) << "python3's crypt module made no bcrypt hash";
  }

  std::string Url(Agent& agent, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(agent.port()) + path;
  }

  // The agent answers /readyz over TLS with these curl options (the harness's WaitReady talks
  // plain HTTP).
  bool WaitReadyTls(Agent& agent, const std::string& options) {
    return WaitFor([&] { return Curl(dir_.path(), options + " " + Url(agent, "/readyz")).status == 200; },
                   20s);
  }

  // Relative paths: resolved against the web config file's directory.
  std::string WriteTlsAuthConfig() {
    const std::string path = dir_.path() + "/web.yml";
    WriteFile(path, "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                    "basic_auth_users:\n  prometheus: '" + hash_ + "'\n");
    return path;
  }

  TempDir dir_{"web-security"};
  std::string hash_;
};

TEST_F(WebSecurity, TlsAndBasicAuth) {
  Agent agent({"--web-config-file", WriteTlsAuthConfig()});
  const std::string ca = "--cacert " + dir_.path() + "/cert.pem ";
  ASSERT_TRUE(WaitReadyTls(agent, ca + "-u prometheus:secret")) << agent.process().Stderr();

  CurlResult r = Curl(dir_.path(), ca + Url(agent, "/metrics"));
  EXPECT_EQ(r.status, 401);
  const CommandResult headers =
      RunCommand("curl -sS -o /dev/null -D - " + ca + Url(agent, "/metrics"));
  EXPECT_THAT(headers.output, HasSubstr("WWW-Authenticate: Basic realm=\"hostlens\""));
  EXPECT_EQ(Curl(dir_.path(), ca + "-u prometheus:wrong " + Url(agent, "/metrics")).status, 401);
  EXPECT_EQ(Curl(dir_.path(), ca + "-u nobody:secret " + Url(agent, "/metrics")).status, 401);
  EXPECT_EQ(Curl(dir_.path(), ca + Url(agent, "/healthz")).status, 401);

  r = Curl(dir_.path(), ca + "-u prometheus:secret " + Url(agent, "/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("# TYPE hostlens_build_info gauge"));
  EXPECT_THAT(r.body, HasSubstr("hostlens_build_info{version="));
  EXPECT_EQ(Curl(dir_.path(), ca + "-u prometheus:secret " + Url(agent, "/healthz")).status, 200);

  // Plain HTTP to the TLS port gets no HTTP answer.
  EXPECT_EQ(agent.Get("/metrics").status, 0);
  r = Curl(dir_.path(), "http://127.0.0.1:" + std::to_string(agent.port()) + "/metrics");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.status, 200);
  // Nor does a client that offers only TLS 1.1.
  r = Curl(dir_.path(), ca + "--tlsv1.1 --tls-max 1.1 -u prometheus:secret " +
                            Url(agent, "/metrics"));
  EXPECT_NE(r.status, 200);

  // The password is in no log line.
  EXPECT_THAT(agent.process().Stderr(), Not(HasSubstr("secret")));
  EXPECT_THAT(agent.process().Stderr(), HasSubstr("serving https://"));
}

TEST_F(WebSecurity, OpenHealthLeavesOnlyTheProbesOpen) {
  Agent agent({"--web-config-file", WriteTlsAuthConfig(), "--web-open-health"});
  const std::string ca = "--cacert " + dir_.path() + "/cert.pem ";
  ASSERT_TRUE(WaitReadyTls(agent, ca)) << agent.process().Stderr();
  EXPECT_EQ(Curl(dir_.path(), ca + Url(agent, "/healthz")).status, 200);
  EXPECT_EQ(Curl(dir_.path(), ca + Url(agent, "/readyz")).status, 200);
  EXPECT_EQ(Curl(dir_.path(), ca + Url(agent, "/metrics")).status, 401);
  EXPECT_EQ(Curl(dir_.path(), ca + Url(agent, "/api/v1/status")).status, 401);
  EXPECT_EQ(Curl(dir_.path(), ca + "-u prometheus:secret " + Url(agent, "/metrics")).status, 200);
}

TEST_F(WebSecurity, ClientCertificatesVerifiedAgainstTheCa) {
  const std::string d = dir_.path();
  const std::string quiet = " >/dev/null 2>&1";
  for (const std::string& command : {
           "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=hostlens-test-ca"
           " -keyout " + d + "/ca.key -out " + d + "/ca.pem",
           "openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout " + d +
               "/client.key -out " + d + "/client.csr",
           "openssl x509 -req -in " + d + "/client.csr -CA " + d + "/ca.pem -CAkey " + d +
               "/ca.key -CAcreateserial -days 2 -out " + d + "/client.pem",
           // Self-signed, not by the CA.
           "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=stranger -keyout " + d +
               "/stranger.key -out " + d + "/stranger.pem",
       }) {
    ASSERT_EQ(RunCommand(command).exit_code, 0) << command;
  }
  WriteFile(d + "/web.yml", "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                            "  client_auth_type: RequireAndVerifyClientCert\n"
                            "  client_ca_file: ca.pem\n");
  Agent agent({"--web-config-file", d + "/web.yml"});
  const std::string ca = "--cacert " + d + "/cert.pem ";
  const std::string client = ca + "--cert " + d + "/client.pem --key " + d + "/client.key ";
  ASSERT_TRUE(WaitReadyTls(agent, client)) << agent.process().Stderr();

  CurlResult r = Curl(d, client + Url(agent, "/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("hostlens_build_info"));
  // No client certificate, or one the CA did not sign: the handshake fails, no HTTP answer.
  r = Curl(d, ca + Url(agent, "/metrics"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.status, 0);
  r = Curl(d, ca + "--cert " + d + "/stranger.pem --key " + d + "/stranger.key " +
                  Url(agent, "/metrics"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.status, 0);
}

TEST_F(WebSecurity, BadCertificateFailsStartWithTheFileAndTheReason) {
  const std::string d = dir_.path();
  WriteFile(d + "/garbage.pem", "not a certificate\n");
  WriteFile(d + "/web.yml", "tls_server_config:\n  cert_file: garbage.pem\n  key_file: key.pem\n");
  Agent agent({"--web-config-file", d + "/web.yml"});
  EXPECT_EQ(agent.process().Wait(30s), 1);
  const std::string err = agent.process().Stderr();
  EXPECT_THAT(err, HasSubstr("hostlens: TLS: cert_file " + d + "/garbage.pem: cannot load: "
                             "no start line\n"));

  // The key of another certificate.
  ASSERT_EQ(RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=x -keyout " +
                       d + "/other.key -out " + d + "/other.pem").exit_code, 0);
  WriteFile(d + "/web.yml", "tls_server_config:\n  cert_file: cert.pem\n  key_file: other.key\n");
  Agent mismatched({"--web-config-file", d + "/web.yml"});
  EXPECT_EQ(mismatched.process().Wait(30s), 1);
  EXPECT_THAT(mismatched.process().Stderr(),
              HasSubstr("hostlens: TLS: key_file " + d + "/other.key: cannot load: "
                        "key values mismatch\n"));
}

// A config error is a usage error: exit 2 before anything is loaded.
TEST(WebSecurityCli, UnknownKeyExits2) {
  TempDir dir("web-security-cli");
  WriteFile(dir.path() + "/web.yml", "tls_server_config:\n  cert_file: c\n  key_file: k\n"
                                      "  min_version: TLS13\n");
  const CommandResult run = RunCommand(std::string(HOSTLENS_BINARY) + " --web-config-file " +
                                       dir.path() + "/web.yml");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.output, "hostlens: --web-config-file " + dir.path() +
                            "/web.yml: line 4: unknown tls_server_config key \"min_version\" "
                            "(known: cert_file, key_file, client_auth_type, client_ca_file)\n");
}

// Prometheus itself scrapes the agent over TLS with Basic auth.
TEST_F(WebSecurity, PrometheusScrapesOverTlsWithBasicAuth) {
  if (access("/usr/bin/prometheus", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/prometheus";
  Agent agent({"--web-config-file", WriteTlsAuthConfig()});
  const std::string ca = "--cacert " + dir_.path() + "/cert.pem ";
  ASSERT_TRUE(WaitReadyTls(agent, ca + "-u prometheus:secret")) << agent.process().Stderr();

  const std::string config = dir_.path() + "/prometheus.yml";
  WriteFile(config, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: hostlens\n"
                    "    scheme: https\n"
                    "    tls_config:\n      ca_file: " + dir_.path() + "/cert.pem\n"
                    "    basic_auth:\n      username: prometheus\n      password: secret\n"
                    "    static_configs:\n      - targets: ['127.0.0.1:" +
                        std::to_string(agent.port()) + "']\n");
  const uint16_t prometheus_port = FreePort();
  Process prometheus({"/usr/bin/prometheus", "--config.file=" + config,
                      "--storage.tsdb.path=" + dir_.path() + "/tsdb",
                      "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)});

  // up{job="hostlens"} and hostlens_build_info through Prometheus's query API.
  auto query = [&](const std::string& encoded) -> nlohmann::json {
    const HttpResponse r = HttpRequest(prometheus_port, "/api/v1/query?query=" + encoded);
    if (r.status != 200) return nullptr;
    const auto json = nlohmann::json::parse(r.body, nullptr, false);
    if (json.is_discarded() || !json.contains("data")) return nullptr;
    return json["data"]["result"];
  };
  nlohmann::json up;
  const bool scraped = WaitFor(
      [&] {
        up = query("up%7Bjob%3D%22hostlens%22%7D");
        return up.is_array() && !up.empty() && up[0]["value"][1] == "1";
      },
      30s);
  EXPECT_TRUE(scraped) << "up: " << up.dump() << "\nprometheus: " << prometheus.Stderr();
  const nlohmann::json build_info = query("hostlens_build_info");
  ASSERT_TRUE(build_info.is_array()) << prometheus.Stderr();
  ASSERT_FALSE(build_info.empty());
  EXPECT_EQ(build_info[0]["metric"]["job"], "hostlens");
  EXPECT_EQ(build_info[0]["value"][1], "1");
  EXPECT_EQ(prometheus.Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace hostlens::testing
