#pragma once
// Helpers for tests that run the real agent binary against the real kernel.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::testing {

// Empty when the agent can load BPF here; otherwise why not (for GTEST_SKIP).
std::string WhyBpfUnavailable();

uint16_t FreePort();

// A TCP connection to 127.0.0.1:`port` whose reads time out after `read_timeout`: its fd, or -1
// if it could not be made.
int ConnectLoopback(uint16_t port, std::chrono::seconds read_timeout);

struct HttpResponse {
  int status = 0;  // 0: no answer
  std::string body;
};
HttpResponse HttpRequest(uint16_t port, const std::string& path, const std::string& method = "GET");

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
CommandResult RunCommand(const std::string& command);


// Polls `condition` until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Polls until `GET path` on 127.0.0.1:`port` is answered with `status` or `timeout` passes.
bool WaitForHttpStatus(uint16_t port, const std::string& path, int status,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Polls until `value()` equals `expected` or `timeout` passes, then waits a
// little more (300 ms) so that a late extra count shows too; returns the last value.
double Settle(const std::function<double()>& value, double expected,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A new directory /tmp/hostlens-<name>-XXXXXX, removed with all it holds on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A child process with its stderr kept in a file.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv);
  ~Process();  // SIGKILL and reap if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal` and waits up to `timeout` for the exit status.
  std::optional<int> Stop(int signal, std::chrono::milliseconds timeout);
  // Exit status if the process ended on its own within `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGKILL to the process and everything it started; reaps it.
  void KillGroup();
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::string stderr_path_;
  bool reaped_ = false;
};

// `/usr/bin/python3 -B <script> <args...>` (-B: no __pycache__ in the source tree).
std::unique_ptr<Process> StartPython(const std::string& script,
                                     const std::vector<std::string>& args = {});

// The file name of the executable of process `pid`: the service_name the agent gives it.
std::string ExeName(pid_t pid);

// One of tests/integration/servers/*.py, run as `/usr/bin/python3 -B <script> <port>` on a free
// loopback port; killed with all it started on destruction.
class ServerScript {
 public:
  explicit ServerScript(const std::string& script);
  uint16_t port() const { return port_; }
  Process& process() { return *process_; }
  // Whether `GET path` is answered with `status` within `timeout`: the server is up.
  bool WaitUp(const std::string& path, int status,
              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return WaitForHttpStatus(port_, path, status, timeout);
  }
  std::string ServiceName() const { return ExeName(process_->pid()); }

 private:
  uint16_t port_;
  std::unique_ptr<Process> process_;
};

// The hostlens binary listening on a loopback port of its own.
class Agent {
 public:
  explicit Agent(std::vector<std::string> extra_args);
  uint16_t port() const { return port_; }
  Process& process() { return process_; }
  bool WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  HttpResponse Get(const std::string& path) { return HttpRequest(port_, path); }
  // Value of the first sample whose line starts with `series` (name and
  // labels exactly as rendered), or nullopt.
  std::optional<double> Metric(const std::string& series);
  // Value of the sample of `name` whose labels include all of `labels`
  // (other labels may be present; label order does not matter). nullopt if
  // none, the first one if several.
  std::optional<double> Sample(const std::string& name,
                               const std::map<std::string, std::string>& labels);
  // Sum of the samples of `name` whose labels include all of `labels`.
  double SumOf(const std::string& name, const std::map<std::string, std::string>& labels = {});

 private:
  uint16_t port_;
  Process process_;
};

// One sample line of the text format: name, labels, value.
struct SampleLine {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};
std::vector<SampleLine> ParseSamples(const std::string& exposition);

// The lines of the agent's /metrics that start with one of `prefixes`, for failure messages.
std::string MetricsExcerpt(Agent& agent, std::initializer_list<std::string_view> prefixes);

// Expects hostlens_events_lost_total to be 0 for each of `reasons`; a failure shows the reason
// and `excerpt(agent)`.
void ExpectNoEventsLost(Agent& agent, std::string (*excerpt)(Agent&),
                        std::initializer_list<const char*> reasons = {"ringbuf_full", "map_full",
                                                                      "parse"});

// IDs of the BPF programs that process `pid` holds (bpftool prog show).
std::vector<int> BpfProgramIdsOf(pid_t pid);
bool BpfProgramExists(int id);
// IDs of the BPF maps that process `pid` holds (fdinfo "map_id:"), and whether one still exists.
std::vector<int> BpfMapIdsOf(pid_t pid);
bool BpfMapExists(int id);

std::string ReadFile(const std::string& path);

// Debian's nginx in the foreground (its master the caller's child), one worker, everything it
// writes kept in `dir`: `server` is the configuration's server block, in which @DIR@ and @PORT@
// stand for `dir` and `port`. Writes dir/nginx.conf first.
std::unique_ptr<Process> StartNginx(const std::string& dir, uint16_t port,
                                    const std::string& server, int worker_connections = 1024,
                                    int workers = 1);

// A self-signed certificate made with openssl for localhost, api.payments.example and 127.0.0.1:
// `dir`/cert.pem and `dir`/key.pem. Empty on success, else openssl's output.
std::string MakeTestCertificate(const std::string& dir);

// Everything the agent shows anyone: /metrics, every JSON API and its log so far (for canaries).
std::string AllTheAgentShows(Agent& agent);

// The canary checks of the PostgreSQL inspector, after a text canary (a literal in the SQL) and
// a bind canary (a Bind value) were sent: without --capture-literals (`captured` false) neither
// is anywhere and the inspector shows the statement normalized; with it, the text literal is in
// the inspector only, and a bind value still never anywhere.
void ExpectPostgresCanariesKept(Agent& agent, bool captured, const std::string& text_canary,
                                const std::string& bind_canary);

// Empty when every one of `binaries` (absolute paths) is installed, else which are missing and
// that scripts/install-deps.sh installs them: for a test to fail with, not skip.
std::string MissingTools(std::initializer_list<std::string> binaries);

// A number field of ab's report ("Complete requests:      20000" → 20000); -1 when missing.
long AbField(const std::string& output, const std::string& field);

}  // namespace hostlens::testing
