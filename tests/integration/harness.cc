#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace hostlens::testing {

std::string WhyBpfUnavailable() {
  if (geteuid() != 0) return "needs root to load BPF programs (run make test as root)";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "needs kernel BTF at /sys/kernel/btf/vmlinux";
  return "";
}

uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

int ConnectLoopback(uint16_t port, std::chrono::seconds read_timeout) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{static_cast<time_t>(read_timeout.count()), 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

HttpResponse HttpRequest(uint16_t port, const std::string& path, const std::string& method) {
  HttpResponse response;
  int fd = ConnectLoopback(port, std::chrono::seconds(5));
  if (fd < 0) return response;
  const std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return response;
  }
  std::string raw;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) raw.append(buf, n);
  close(fd);
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) return response;
  response.status = std::atoi(raw.c_str() + 9);
  auto end = raw.find("\r\n\r\n");
  if (end != std::string::npos) response.body = raw.substr(end + 4);
  return response;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string MakeTestCertificate(const std::string& dir) {
  auto made = RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
                         " -addext subjectAltName=DNS:localhost,DNS:api.payments.example,"
                         "IP:127.0.0.1 -keyout " + dir + "/key.pem -out " + dir + "/cert.pem");
  return made.exit_code == 0 ? "" : "openssl req failed: " + made.output;
}

std::string AllTheAgentShows(Agent& agent) {
  return agent.Get("/metrics").body + agent.Get("/api/v1/slow-queries").body +
         agent.Get("/api/v1/routes").body + agent.Get("/api/v1/status").body +
         agent.process().Stderr();
}

void ExpectPostgresCanariesKept(Agent& agent, bool captured, const std::string& text_canary,
                                const std::string& bind_canary) {
  const std::string slow = agent.Get("/api/v1/slow-queries").body;
  const std::string everything = AllTheAgentShows(agent);
  EXPECT_EQ(everything.find(bind_canary), std::string::npos) << slow;
  if (!captured) {
    EXPECT_EQ(everything.find(text_canary), std::string::npos) << slow;
    EXPECT_NE(slow.find("SELECT ? AS canary"), std::string::npos) << slow;
  } else {
    // The text literal is kept as sent (and logged at trace level); a bind value is never part
    // of the SQL text.
    EXPECT_NE(slow.find(text_canary), std::string::npos) << slow;
    EXPECT_EQ(agent.Get("/metrics").body.find(text_canary), std::string::npos);
  }
}

std::string MissingTools(std::initializer_list<std::string> binaries) {
  std::string missing;
  for (const auto& binary : binaries) {
    if (access(binary.c_str(), X_OK) != 0) missing += (missing.empty() ? "" : ", ") + binary;
  }
  if (missing.empty()) return "";
  return missing + " missing: run scripts/install-deps.sh (README's Dependencies)";
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

bool WaitForHttpStatus(uint16_t port, const std::string& path, int status,
                       std::chrono::milliseconds timeout) {
  return WaitFor([&] { return HttpRequest(port, path).status == status; }, timeout);
}

double Settle(const std::function<double()>& value, double expected,
              std::chrono::milliseconds timeout) {
  WaitFor([&] { return value() == expected; }, timeout);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return value();
}

TempDir::TempDir(const std::string& name) {
  std::string pattern = "/tmp/hostlens-" + name + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Process::Process(const std::vector<std::string>& argv) {
  char path[] = "/tmp/hostlens-test-stderr-XXXXXX";
  int err_fd = mkstemp(path);
  stderr_path_ = path;
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);  // its own group, so the test can end its children too
    // A test killed outright (ctest's timeout) must not leave an agent attached to the kernel.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(err_fd, STDERR_FILENO);
    int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(err_fd);
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unlink(stderr_path_.c_str());
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (reaped_) return std::nullopt;
  std::optional<int> code;
  WaitFor(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          reaped_ = true;
          code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          return true;
        }
        return false;
      },
      timeout);
  return code;
}

std::optional<int> Process::Stop(int signal, std::chrono::milliseconds timeout) {
  if (!reaped_) kill(pid_, signal);
  return Wait(timeout);
}

void Process::KillGroup() {
  kill(-pid_, SIGKILL);
  Wait(std::chrono::seconds(5));
}

std::string Process::Stderr() const { return ReadFile(stderr_path_); }

std::unique_ptr<Process> StartPython(const std::string& script,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/python3", "-B", script};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Process>(argv);
}

std::string ExeName(pid_t pid) {
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe").filename();
}

ServerScript::ServerScript(const std::string& script)
    : port_(FreePort()),
      process_(StartPython(HOSTLENS_SOURCE_DIR "/tests/integration/servers/" + script,
                           {std::to_string(port_)})) {}

Agent::Agent(std::vector<std::string> extra_args)
    : port_(FreePort()), process_([&] {
        std::vector<std::string> argv = {HOSTLENS_BINARY, "--listen",
                                         "127.0.0.1:" + std::to_string(port_)};
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
        return argv;
      }()) {}

bool Agent::WaitReady(std::chrono::milliseconds timeout) {
  return WaitFor([&] { return Get("/readyz").status == 200; }, timeout);
}

std::optional<double> Agent::Metric(const std::string& series) {
  std::istringstream in(Get("/metrics").body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

namespace {

// The ids an fd of process `pid` names in its fdinfo after `key` ("prog_id:" for program and
// link fds, "map_id:" for map fds); bpftool's own pid listing is not built in Debian's.
std::vector<int> IdsInFdinfo(pid_t pid, const std::string& key) {
  std::set<int> ids;
  const std::string fdinfo = "/proc/" + std::to_string(pid) + "/fdinfo";
  for (const auto& entry : std::filesystem::directory_iterator(fdinfo)) {
    std::istringstream in(ReadFile(entry.path()));
    std::string word;
    int value;
    while (in >> word) {
      if (word == key && in >> value) ids.insert(value);
    }
  }
  return {ids.begin(), ids.end()};
}

}  // namespace

std::vector<int> BpfProgramIdsOf(pid_t pid) { return IdsInFdinfo(pid, "prog_id:"); }

bool BpfProgramExists(int id) {
  return RunCommand("bpftool prog show id " + std::to_string(id)).exit_code == 0;
}

std::vector<int> BpfMapIdsOf(pid_t pid) { return IdsInFdinfo(pid, "map_id:"); }

bool BpfMapExists(int id) {
  return RunCommand("bpftool map show id " + std::to_string(id)).exit_code == 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<Process> StartNginx(const std::string& dir, uint16_t port,
                                    const std::string& server, int worker_connections,
                                    int workers) {
  std::string config = R"(daemon off;
master_process on;
worker_processes @WORKERS@;
user root;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log warn;
worker_rlimit_nofile @FILES@;
events { worker_connections @CONNECTIONS@; }
http {
  access_log off;
  client_body_temp_path @DIR@/body;
  proxy_temp_path @DIR@/proxy;
  fastcgi_temp_path @DIR@/fastcgi;
  uwsgi_temp_path @DIR@/uwsgi;
  scgi_temp_path @DIR@/scgi;
)" + server + "}\n";
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"@DIR@", dir},
        {"@PORT@", std::to_string(port)},
        {"@WORKERS@", std::to_string(workers)},
        {"@CONNECTIONS@", std::to_string(worker_connections)},
        {"@FILES@", std::to_string(worker_connections + 1024)}}) {
    for (size_t at; (at = config.find(key)) != std::string::npos;) config.replace(at, key.size(), value);
  }
  std::ofstream(dir + "/nginx.conf") << config;
  return std::make_unique<Process>(std::vector<std::string>{
      "/usr/sbin/nginx", "-p", dir + "/", "-c", dir + "/nginx.conf", "-e", dir + "/error.log"});
}

long AbField(const std::string& output, const std::string& field) {
  std::smatch match;
  if (std::regex_search(output, match, std::regex(field + R"(:\s+(\d+))"))) {
    return std::stol(match[1]);
  }
  return -1;
}

}  // namespace hostlens::testing

namespace hostlens::testing {

std::vector<SampleLine> ParseSamples(const std::string& exposition) {
  std::vector<SampleLine> out;
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    SampleLine sample;
    size_t pos = line.find_first_of("{ ");
    if (pos == std::string::npos) continue;
    sample.name = line.substr(0, pos);
    if (line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        size_t eq = line.find('=', pos);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') break;
        std::string key = line.substr(pos, eq - pos);
        std::string value;
        size_t i = eq + 2;
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value.push_back(line[i] == 'n' ? '\n' : line[i]);
          } else {
            value.push_back(line[i]);
          }
        }
        sample.labels[key] = value;
        pos = i + 1;
        if (pos < line.size() && line[pos] == ',') ++pos;
      }
      pos = line.find(' ', pos);
      if (pos == std::string::npos) continue;
    }
    sample.value = std::strtod(line.c_str() + pos + 1, nullptr);
    out.push_back(std::move(sample));
  }
  return out;
}

namespace {
bool Includes(const std::map<std::string, std::string>& have,
              const std::map<std::string, std::string>& want) {
  for (const auto& [k, v] : want) {
    auto it = have.find(k);
    if (it == have.end() || it->second != v) return false;
  }
  return true;
}
}  // namespace

std::optional<double> Agent::Sample(const std::string& name,
                                    const std::map<std::string, std::string>& labels) {
  for (const auto& s : ParseSamples(Get("/metrics").body)) {
    if (s.name == name && Includes(s.labels, labels)) return s.value;
  }
  return std::nullopt;
}

std::string MetricsExcerpt(Agent& agent, std::initializer_list<std::string_view> prefixes) {
  std::istringstream in(agent.Get("/metrics").body);
  std::string line, out;
  while (std::getline(in, line)) {
    for (std::string_view prefix : prefixes) {
      if (line.rfind(prefix, 0) == 0) out += line + "\n";
    }
  }
  return "agent /metrics excerpt:\n" + out;
}

void ExpectNoEventsLost(Agent& agent, std::string (*excerpt)(Agent&),
                        std::initializer_list<const char*> reasons) {
  for (const char* reason : reasons) {
    EXPECT_EQ(agent.Sample("hostlens_events_lost_total", {{"reason", reason}}), 0)
        << reason << "\n"
        << excerpt(agent);
  }
}

double Agent::SumOf(const std::string& name, const std::map<std::string, std::string>& labels) {
  double sum = 0;
  for (const auto& s : ParseSamples(Get("/metrics").body)) {
    if (s.name == name && Includes(s.labels, labels)) sum += s.value;
  }
  return sum;
}

}  // namespace hostlens::testing
