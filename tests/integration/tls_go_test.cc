// Go's crypto/tls (net/http over TLS, HTTP/1.1): a Go HTTPS server hit by curl, started before
// the agent (found by the start scan) and after it (found through its exec), and a Go HTTPS
// client calling nginx. The test builds the Go program (testdata/go_tls) with Debian's Go. The
// agent's counts must equal the clients' own, exactly, with and without uprobe_multi links;
// the Go processes must survive the probes and exit cleanly.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness.h"
#include "https_nginx.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kServerCount[] = "http_server_request_duration_seconds_count";
constexpr char kClientCount[] = "http_client_request_duration_seconds_count";
constexpr char kUncovered[] = "hostlens_tls_uncovered_connections_total";
constexpr char kGo[] = "/usr/bin/go";
constexpr size_t kGoLargeBytes = 100 * 1024;  // testdata/go_tls's /large

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(agent, {kServerCount, kClientCount, kUncovered, "hostlens_events_lost_total",
                                "hostlens_events_total", "hostlens_tracked"});
}

// The Go program, built once for the suite in its own directory (GOCACHE and GOPATH in it too,
// no network: the standard library only).
class GoProgram {
 public:
  // Empty on success, else why not.
  std::string Build() {
    if (!fs::exists(kGo)) {
      return std::string(kGo) + " is missing: run scripts/install-deps.sh (golang-go)";
    }
    binary_ = dir_.path() + "/hlgo";
    auto built = RunCommand("cd " HOSTLENS_SOURCE_DIR "/tests/integration/testdata/go_tls && "
                            "GOCACHE=" + dir_.path() + "/cache GOPATH=" + dir_.path() +
                            "/gopath GOFLAGS= GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 " +
                            kGo + " build -o " + binary_ + " . 2>&1");
    return built.exit_code == 0 ? "" : "go build failed: " + built.output;
  }
  // A copy named `name` in `dir`, so each process has a service name (and a selector) of its own.
  std::string CopyAs(const std::string& dir, const std::string& name) const {
    const std::string copy = dir + "/" + name;
    fs::copy_file(binary_, copy, fs::copy_options::overwrite_existing);
    fs::permissions(copy, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    return copy;
  }

 private:
  TempDir dir_{"go-build"};
  std::string binary_;
};

// Param: whether the agent does without uprobe_multi links (perf-event uprobes, one per RET).
class TlsGo : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    program_ = new GoProgram();
    build_error_ = program_->Build();
  }
  static void TearDownTestSuite() {
    delete program_;
    program_ = nullptr;
  }

  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    // CI installs Go: a missing toolchain is a failure, not a skip.
    ASSERT_EQ(build_error_, "");
    fs::permissions(dir_.path(),
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  }

  void TearDown() override { agent_.reset(); }

  std::vector<std::string> AgentArgs(std::vector<std::string> args) const {
    if (GetParam()) args.insert(args.end(), {"--without-kernel-feature", "uprobe_multi"});
    return args;
  }

  void StartAgent(const std::vector<std::string>& args) {
    agent_ = std::make_unique<Agent>(AgentArgs(args));
    ASSERT_TRUE(agent_->WaitReady()) << agent_->process().Stderr();
  }

  // The state /api/v1/status gives the "go" TLS library of `pid` ("" when none is listed).
  std::string GoLibraryState(pid_t pid) {
    auto json = nlohmann::json::parse(agent_->Get("/api/v1/status").body, nullptr, false);
    if (json.is_discarded()) return "";
    for (const auto& p : json["tracked_processes"]["processes"]) {
      if (p["pid"] != pid) continue;
      for (const auto& library : p["tls_libraries"]) {
        if (library["library"] == "go") return library["state"].get<std::string>();
      }
    }
    return "";
  }

  void ExpectGoAttached(pid_t pid) {
    EXPECT_TRUE(WaitFor([&] { return GoLibraryState(pid) == "attached"; }, 20s))
        << "go library of " << pid << ": '" << GoLibraryState(pid) << "'\n"
        << agent_->Get("/api/v1/status").body;
  }

  std::unique_ptr<Process> StartGoServer(const std::string& name, uint16_t port,
                                         const std::string& mode = "server") {
    const std::string binary = program_->CopyAs(dir_.path(), name);
    return std::make_unique<Process>(std::vector<std::string>{
        binary, mode, "127.0.0.1:" + std::to_string(port), dir_.path() + "/cert.pem",
        dir_.path() + "/key.pem"});
  }

  void ExpectNothingLost() {
    hostlens::testing::ExpectNoEventsLost(
        *agent_, Excerpt,
        {"ringbuf_full", "map_full", "parse", "http_request_evicted", "http_response_unmatched",
         "http_response_lost", "tls_no_socket", "tls_call_unseen"});
  }

  // Alive after all of it (the probes never crashed it), then a clean exit on SIGTERM.
  static void ExpectAliveThenCleanExit(Process& process) {
    EXPECT_EQ(kill(process.pid(), 0), 0) << "the Go process is gone: " << process.Stderr();
    EXPECT_EQ(process.Wait(0ms), std::nullopt) << "the Go process ended: " << process.Stderr();
    EXPECT_EQ(process.Stop(SIGTERM, 10s), 0) << process.Stderr();
  }

  static GoProgram* program_;
  static std::string build_error_;
  TempDir dir_{"tls-go"};
  std::unique_ptr<Agent> agent_;
};

GoProgram* TlsGo::program_ = nullptr;
std::string TlsGo::build_error_;

// Four /hello and one 100 KiB /large (several TLS records, several Write calls' worth) on one
// keep-alive connection, by curl over HTTP/1.1; curl's own report is checked first.
void CurlFiveRequests(uint16_t port) {
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  std::string urls, outputs;
  for (const char* path : {"/hello", "/hello", "/hello", "/large", "/hello"}) {
    urls += " " + base + path;
    outputs += " -o /dev/null";
  }
  auto run = RunCommand("curl --http1.1 -sk -w '%{http_code} %{num_connects} %{size_download}\\n'" +
                        urls + outputs);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.output, "200 1 6\n200 0 6\n200 0 6\n200 0 " + std::to_string(kGoLargeBytes) +
                            "\n200 0 6\n");
}

TEST_P(TlsGo, ServerStartedBeforeAndAfterTheAgentIsCountedExactly) {
  ASSERT_EQ(MakeTestCertificate(dir_.path()), "");
  const uint16_t early_port = FreePort();
  auto early = StartGoServer("hl-go-early", early_port);
  ASSERT_TRUE(WaitFor([&] {
    return RunCommand("curl -sk -o /dev/null https://127.0.0.1:" + std::to_string(early_port) +
                      "/hello").exit_code == 0;
  }, 20s)) << early->Stderr();

  ASSERT_NO_FATAL_FAILURE(StartAgent({"--exe", "/hl-go-(early|late)$"}));
  ExpectGoAttached(early->pid());
  const uint16_t late_port = FreePort();
  auto late = StartGoServer("hl-go-late", late_port);
  ExpectGoAttached(late->pid());
  ASSERT_TRUE(WaitFor([&] {
    return RunCommand("curl -sk -o /dev/null https://127.0.0.1:" + std::to_string(late_port) +
                      "/nothing-here").exit_code == 0;
  }, 20s)) << late->Stderr();

  ASSERT_NO_FATAL_FAILURE(CurlFiveRequests(early_port));
  ASSERT_NO_FATAL_FAILURE(CurlFiveRequests(late_port));

  for (const char* service : {"hl-go-early", "hl-go-late"}) {
    SCOPED_TRACE(service);
    auto count = [&](const std::map<std::string, std::string>& more) {
      std::map<std::string, std::string> labels = {{"service_name", service}};
      labels.insert(more.begin(), more.end());
      return agent_->SumOf(kServerCount, labels);
    };
    const std::map<std::string, std::string> hello = {{"http_request_method", "GET"},
                                                      {"http_route", "/hello"},
                                                      {"http_response_status_code", "200"}};
    EXPECT_EQ(Settle([&] { return count(hello); }, 4), 4) << Excerpt(*agent_);
    EXPECT_EQ(count({{"http_route", "/large"}, {"http_response_status_code", "200"}}), 1)
        << Excerpt(*agent_);
    // The late server's readiness probe (a 404) is counted too.
    const double probes = std::string(service) == "hl-go-late" ? 1 : 0;
    EXPECT_EQ(count({{"http_response_status_code", "404"}}), probes) << Excerpt(*agent_);
    EXPECT_EQ(count({}), 5 + probes) << Excerpt(*agent_);
  }
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
  ExpectAliveThenCleanExit(*early);
  ExpectAliveThenCleanExit(*late);
}

TEST_P(TlsGo, ClientCallingNginxIsCountedOnBothSides) {
  HttpsNginx nginx;
  ASSERT_EQ(nginx.Start(dir_.path()), "");
  const std::string client = program_->CopyAs(dir_.path(), "hl-go-client");
  ASSERT_NO_FATAL_FAILURE(
      StartAgent({"--pid", std::to_string(nginx.pid()), "--exe", "/hl-go-client$"}));

  // Five /hello and one 100 KiB file, once the client's probes are attached (it waits).
  const std::string trigger = dir_.path() + "/go";
  std::vector<std::string> argv = {client, "client", dir_.path() + "/cert.pem", trigger};
  for (int i = 0; i < 5; ++i) argv.push_back(nginx.Url("/hello"));
  argv.push_back(nginx.Url(HttpsNginx::kLargePath));
  Process go(argv);
  ASSERT_TRUE(WaitFor([&] { return fs::exists(trigger + ".ready"); }, 20s)) << go.Stderr();
  ExpectGoAttached(go.pid());
  std::ofstream(trigger) << "go\n";
  ASSERT_EQ(go.Wait(60s), 0) << "the Go client died: " << go.Stderr();
  ASSERT_EQ(go.Stderr(), "200 6\n");

  const std::string address = "127.0.0.1:" + std::to_string(nginx.port());
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf(kClientCount, {{"service_name", "hl-go-client"},
                                                  {"server_address", address},
                                                  {"http_response_status_code", "200"}});
            }, 6), 6)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kClientCount, {{"service_name", "hl-go-client"}}), 6) << Excerpt(*agent_);
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf(kServerCount, {{"service_name", "nginx"},
                                                  {"http_response_status_code", "200"}});
            }, 6), 6)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kServerCount, {{"service_name", "nginx"}}), 6) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
}

// Go's default over TLS is HTTP/2, which hostlens does not decode: the connection is counted as
// such, nothing is made up from its frames.
TEST_P(TlsGo, Http2IsCountedAsNotDecoded) {
  ASSERT_EQ(MakeTestCertificate(dir_.path()), "");
  ASSERT_NO_FATAL_FAILURE(StartAgent({"--exe", "/hl-go-h2$"}));
  const uint16_t port = FreePort();
  auto server = StartGoServer("hl-go-h2", port, "server-h2");
  ExpectGoAttached(server->pid());
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/hello";
  ASSERT_TRUE(WaitFor([&] {
    return RunCommand("curl --http1.1 -sk -o /dev/null " + url).exit_code == 0;
  }, 20s)) << server->Stderr();
  auto run = RunCommand("curl --http2 -sk -w '%{http_version} %{http_code}\\n' -o /dev/null " +
                        url + " -o /dev/null " + url);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.output, "2 200\n2 200\n");
  EXPECT_EQ(Settle([&] {
              return agent_->SumOf("hostlens_connections_not_decoded_total",
                                   {{"protocol", "http2"}});
            }, 1), 1)
      << Excerpt(*agent_);
  // Only the readiness probe, over HTTP/1.1 (the first curl that connected).
  EXPECT_EQ(agent_->SumOf(kServerCount, {{"service_name", "hl-go-h2"},
                                         {"http_response_status_code", "200"}}),
            1)
      << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kServerCount, {{"service_name", "hl-go-h2"}}), 1) << Excerpt(*agent_);
  EXPECT_EQ(agent_->SumOf(kUncovered), 0) << Excerpt(*agent_);
  ExpectNothingLost();
  ExpectAliveThenCleanExit(*server);
}

INSTANTIATE_TEST_SUITE_P(Links, TlsGo, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "PerfEventUprobes" : "UprobeMulti";
                         });

}  // namespace
}  // namespace hostlens::testing
