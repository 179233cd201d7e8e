#include "db_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace hostlens::testing {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// In a forked child: every fd above stderr closed, so a server or client holds none of the
// test's sockets.
void CloseFdsFrom3() {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
  for (int fd = 3; fd < 1024; ++fd) close(fd);
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> EnvironmentWith(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (const auto& x : extra) {
      auto eq = x.find('=');
      if (entry.compare(0, eq + 1, x, 0, eq + 1) == 0) replaced = true;
    }
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::string Tail(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  return "..." + text.substr(text.size() - max_bytes);
}

std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += " | ";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

CommandResult Combined(const ProcessOutput& p) {
  CommandResult result;
  result.exit_code = p.exit_code;
  result.output = p.out + p.err;
  if (p.timed_out) result.output += "(timed out)";
  while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
  return result;
}

// Whether a TCP `request` to 127.0.0.1:`port` is answered with something starting `expected`.
bool Answers(uint16_t port, const std::string& request, const std::string& expected) {
  int fd = ConnectLoopback(port, seconds(1));
  if (fd < 0) return false;
  std::string reply;
  if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[256];
    ssize_t n;
    while (reply.size() < expected.size() && (n = read(fd, buf, sizeof(buf))) > 0) {
      reply.append(buf, n);
    }
  }
  close(fd);
  return reply.rfind(expected, 0) == 0;
}

// "0100007F:1538" (a /proc/net/tcp address) → "127.0.0.1:5432"; the same for IPv6's 32 digits.
std::string ProcNetAddress(const std::string& hex) {
  auto colon = hex.find(':');
  if (colon == std::string::npos) return hex;
  const std::string ip = hex.substr(0, colon);
  const unsigned port = std::stoul(hex.substr(colon + 1), nullptr, 16);
  char text[INET6_ADDRSTRLEN] = {};
  if (ip.size() == 8) {
    in_addr addr{static_cast<in_addr_t>(std::stoul(ip, nullptr, 16))};
    inet_ntop(AF_INET, &addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(port);
  }
  in6_addr addr{};
  for (int word = 0; word < 4; ++word) {
    uint32_t w = std::stoul(ip.substr(word * 8, 8), nullptr, 16);
    std::memcpy(addr.s6_addr + word * 4, &w, 4);
  }
  inet_ntop(AF_INET6, &addr, text, sizeof(text));
  return "[" + std::string(text) + "]:" + std::to_string(port);
}

// `sql` through the mariadb client as root (socket authentication) on database `database`, if
// not empty.
CommandResult MariadbAdmin(const std::string& socket, const std::string& sql,
                           const std::string& database,
                           std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  std::vector<std::string> argv = {
      "mariadb", "--no-defaults",       "--socket=" + socket,  "--user=root",
      "--batch", "--skip-column-names", "--connect-timeout=2", "--execute=" + sql};
  if (!database.empty()) argv.push_back(database);
  return Combined(RunProcess(argv, timeout));
}

constexpr const char* kMariadbLogFileSize = "--innodb-log-file-size=8M";

// mariadb-install-db bootstraps every system table (help, GIS, the sys schema): 1 to 5 s. It runs
// once per test process, into a template data dir that each server copies (0.1 s) and that is
// removed at exit. "" or why not.
std::string CopyMariadbTemplate(const std::string& install, const std::string& data) {
  static std::unique_ptr<TempDir> template_dir;
  static std::string template_error;
  if (template_dir == nullptr) {
    template_dir = std::make_unique<TempDir>("mariadb-template");
    ProcessOutput init = RunProcess(
        {install, "--no-defaults", "--datadir=" + template_dir->path() + "/data", "--user=root",
         "--auth-root-authentication-method=socket", "--skip-test-db", kMariadbLogFileSize},
        std::chrono::seconds(120));
    if (init.exit_code != 0) {
      template_error = "mariadb-install-db exited " + std::to_string(init.exit_code) + ": " +
                       OneLine(Tail(init.out + init.err, 500));
    }
  }
  if (!template_error.empty()) return template_error;
  std::error_code ec;
  std::filesystem::copy(template_dir->path() + "/data", data,
                        std::filesystem::copy_options::recursive, ec);
  if (ec) return "copying " + template_dir->path() + "/data: " + ec.message();
  return "";
}

}  // namespace

// --------------------------------------------------------------------------------------------
// Processes

ProcessOutput RunProcess(const std::vector<std::string>& argv, milliseconds timeout,
                         const std::vector<std::string>& env) {
  ProcessOutput result;
  if (argv.empty()) return result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return result;
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return result;
  }
  std::vector<std::string> env_strings = EnvironmentWith(env);
  std::vector<char*> args = CStrings(argv);
  std::vector<char*> envp = CStrings(env_strings);
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // no client outlives a test process that died
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    CloseFdsFrom3();
    execvpe(args[0], args.data(), envp.data());
    dprintf(STDERR_FILENO, "failed to run %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = std::string("fork: ") + strerror(errno);
    return result;
  }
  setpgid(pid, pid);  // also here, so the group exists before any kill below

  auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_pipes = 2;
  while (open_pipes > 0) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      if (result.timed_out) break;  // killed and still not closed: a grandchild holds the pipe
      result.timed_out = true;
      kill(-pid, SIGKILL);
      deadline = Clock::now() + seconds(2);
      continue;
    }
    if (poll(fds, 2, static_cast<int>(std::min<long>(left, 1000))) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, n);
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  if (result.timed_out) kill(-pid, SIGKILL);
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

long PgbenchTransactions(const std::string& output) {
  std::smatch match;
  if (std::regex_search(output, match,
                        std::regex(R"(number of transactions actually processed: (\d+))"))) {
    return std::stol(match[1]);
  }
  return -1;
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                                   "QRSTUVWXYZ0123456789-_./=:,@+%") == std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

std::string ClientReport::Describe() const {
  std::ostringstream out;
  out << "client `" << ShellJoin(argv) << "` exited " << output.exit_code
      << (output.timed_out ? " (timed out)" : "") << "\nstderr: " << Tail(output.err, 3000)
      << "\nstdout: " << Tail(output.out, 3000);
  return out.str();
}

double ClientReport::Count(const std::string& section, const std::string& key) const {
  if (!json.is_object() || !json.contains(section) || !json[section].is_object()) return 0;
  const auto& s = json[section];
  auto it = s.find(key);
  return it != s.end() && it->is_number() ? it->get<double>() : 0;
}

ClientReport RunClient(const std::vector<std::string>& argv, milliseconds timeout) {
  ClientReport report;
  report.argv = argv;
  report.output = RunProcess(argv, timeout);
  std::istringstream lines(report.output.out);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  report.json = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
  if (!report.json.is_object()) report.json = nullptr;
  return report;
}

std::vector<std::string> PythonClientArgv(const std::string& script,
                                          const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/python3", "-B",
                                   HOSTLENS_SOURCE_DIR "/tests/integration/clients/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> MysqlClientArgv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HOSTLENS_MYSQL_CLIENT};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> ListeningAddresses(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::set<std::string> inodes;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd", ec)) {
    std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::vector<std::string> out;
  for (const char* table : {"tcp", "tcp6", "udp", "udp6"}) {
    const bool tcp = table[0] == 't';
    std::istringstream in(ReadFile(proc + "/net/" + table));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      // TCP_LISTEN is 0A; an unconnected UDP socket is TCP_CLOSE, 07.
      if (state != (tcp ? "0A" : "07") || !inodes.count(inode)) continue;
      out.push_back(std::string(tcp ? "tcp " : "udp ") + ProcNetAddress(local));
    }
  }
  return out;
}

std::vector<pid_t> ProcessGroupMembers(pid_t pgid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    // /proc/<pid>/stat: pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    std::string stat = ReadFile(entry.path().string() + "/stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(close_paren + 1));
    char state = 0;
    pid_t ppid = 0, pgrp = 0;
    if (fields >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z' && state != 'X') {
      out.push_back(std::stoi(name));
    }
  }
  return out;
}

// --------------------------------------------------------------------------------------------
// DbServer

DbServer::DbServer(const std::string& name, std::string product, int stop_signal)
    : dir_(name), product_(std::move(product)), stop_signal_(stop_signal), port_(FreePort()) {
  chmod(dir_.path().c_str(), 0755);
}

DbServer::~DbServer() { Stop(); }

std::string DbServer::LogTail(size_t lines) const {
  std::string log = ReadFile(log_path());
  while (!log.empty() && log.back() == '\n') log.pop_back();
  size_t pos = log.size();
  for (size_t i = 0; i < lines && pos != std::string::npos && pos > 0; ++i) {
    pos = log.rfind('\n', pos - 1);
  }
  return pos == std::string::npos ? log : log.substr(pos + 1);
}

std::string DbServer::FindBinary(const std::string& name, const std::string& package) {
  std::string path_var = getenv("PATH") ? getenv("PATH") : "";
  path_var += ":/usr/sbin:/sbin:/usr/bin:/bin";
  std::istringstream dirs(path_var);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  if (error_.empty()) {
    error_ = "failed to start " + product_ + ": " + name + " not found (apt-get install " +
             package + ")";
  }
  return "";
}

bool DbServer::Spawn(const std::vector<std::string>& argv, const std::string& run_as) {
  uid_t uid = 0;
  gid_t gid = 0;
  if (!run_as.empty()) {
    passwd* pw = getpwnam(run_as.c_str());
    if (pw == nullptr) {
      Fail("no user " + run_as);
      return false;
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  int log_fd = open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    Fail("open " + log_path() + ": " + strerror(errno));
    return false;
  }
  std::vector<char*> args = CStrings(argv);
  const std::string& cwd = dir();
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    CloseFdsFrom3();
    if (!run_as.empty() && (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
      dprintf(STDERR_FILENO, "failed to become %s: %s\n", run_as.c_str(), strerror(errno));
      _exit(127);
    }
    // After setuid, which clears it: if the test process dies, so does the server (its workers
    // then see their parent gone), even when no destructor runs.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    if (chdir(cwd.c_str()) != 0) _exit(127);
    execv(args[0], args.data());
    dprintf(STDERR_FILENO, "failed to run %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  close(log_fd);
  if (pid_ < 0) {
    pid_ = -1;
    Fail(std::string("fork: ") + strerror(errno));
    return false;
  }
  setpgid(pid_, pid_);
  reaped_ = false;
  return true;
}

bool DbServer::WaitReady(const std::function<bool()>& ready, milliseconds timeout) {
  bool exited = false;
  bool up = WaitFor(
      [&] {
        siginfo_t info{};
        if (waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_) {
          exited = true;
          return true;
        }
        return ready();
      },
      timeout);
  if (exited) {
    Fail("it exited during startup");
    return false;
  }
  if (!up) {
    Fail("not ready after " + std::to_string(timeout.count()) + " ms");
    return false;
  }
  return true;
}

void DbServer::Fail(const std::string& what) {
  if (error_.empty()) {
    Stop();  // first, so the log holds the server's last words
    error_ = "failed to start " + product_ + " on 127.0.0.1:" + std::to_string(port_) + ": " +
             what + "; log " + log_path() + ": " + OneLine(LogTail(8));
  }
}

void DbServer::Stop() {
  if (pid_ <= 0 || reaped_) return;
  kill(pid_, stop_signal_);
  // Wait for the exit without reaping: while the leader is a zombie its pid, and so the group
  // id, cannot be reused, so the SIGKILL to the group below reaches only the server's processes.
  WaitFor(
      [&] {
        siginfo_t info{};
        return waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_;
      },
      seconds(10));
  kill(-pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  reaped_ = true;
  // Workers killed above are reaped by init; wait until they are gone from /proc.
  WaitFor([&] { return ProcessGroupMembers(pid_).empty(); }, seconds(5));
}

// --------------------------------------------------------------------------------------------
// PostgreSQL

std::vector<std::string> PostgresServer::TlsOptions(const std::string& cert_dir,
                                                   std::string* error) {
  if (std::string made = MakeTestCertificate(cert_dir); !made.empty()) {
    *error = made;
    return {};
  }
  // The server reads its key as the user it runs as, and wants it private.
  if (geteuid() == 0) {
    passwd* pw = getpwnam(kUser);
    if (!pw) {
      *error = std::string("no user ") + kUser;
      return {};
    }
    for (const char* name : {"", "/key.pem", "/cert.pem"}) {
      if (chown((cert_dir + name).c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        *error = "chown " + cert_dir + name + ": " + std::strerror(errno);
        return {};
      }
    }
  }
  if (chmod((cert_dir + "/key.pem").c_str(), 0600) != 0) {
    *error = "chmod key.pem: " + std::string(std::strerror(errno));
    return {};
  }
  return {"-c", "ssl=on", "-c", "ssl_cert_file=" + cert_dir + "/cert.pem",
          "-c", "ssl_key_file=" + cert_dir + "/key.pem"};
}

PostgresServer::PostgresServer(const std::vector<std::string>& extra_args)
    : DbServer("postgres", "PostgreSQL", SIGINT /* fast shutdown */) {
  const std::string bin = kBinDir;
  if (access((bin + "/postgres").c_str(), X_OK) != 0 ||
      access((bin + "/initdb").c_str(), X_OK) != 0) {
    Fail(bin + "/postgres or initdb missing (apt-get install postgresql-15)");
    return;
  }
  // initdb and postgres refuse to run as root: the data belongs to `postgres`.
  const bool root = geteuid() == 0;
  if (root) {
    passwd* pw = getpwnam(kUser);
    if (pw == nullptr) {
      Fail("no user postgres (apt-get install postgresql-15)");
      return;
    }
    if (chown(dir().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      Fail("chown " + dir() + ": " + strerror(errno));
      return;
    }
  }
  std::vector<std::string> initdb = {
      bin + "/initdb", "-D", dir() + "/data", "-U",         kUser,
      "--auth=trust",  "-E", "UTF8",          "--locale=C", "--no-sync"};
  if (root) initdb.insert(initdb.begin(), {"/usr/sbin/runuser", "-u", kUser, "--"});
  ProcessOutput init = RunProcess(initdb, seconds(60));
  if (init.exit_code != 0) {
    Fail("initdb exited " + std::to_string(init.exit_code) + ": " + OneLine(Tail(init.err, 500)));
    return;
  }
  std::vector<std::string> argv = {bin + "/postgres",
                                   "-D",
                                   dir() + "/data",
                                   "-c",
                                   "listen_addresses=127.0.0.1",
                                   "-c",
                                   "port=" + std::to_string(port()),
                                   "-c",
                                   "unix_socket_directories=" + dir(),
                                   "-c",
                                   "fsync=off",
                                   "-c",
                                   "synchronous_commit=off",
                                   "-c",
                                   "full_page_writes=off",
                                   "-c",
                                   "max_connections=50",
                                   "-c",
                                   "shared_buffers=32MB"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  if (!Spawn(argv, root ? kUser : "")) return;
  const std::string isready = bin + "/pg_isready";
  if (!WaitReady([&] {
        return RunProcess({isready, "-q", "-h", host(), "-p", std::to_string(port()), "-t", "1"},
                          seconds(3))
                   .exit_code == 0;
      })) {
    return;
  }
  ProcessOutput created =
      RunProcess({bin + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host(), "-p",
                  std::to_string(port()), "-U", kUser, "-d", "postgres", "-c",
                  std::string("CREATE DATABASE ") + kDatabase},
                 seconds(30));
  if (created.exit_code != 0) Fail("CREATE DATABASE: " + OneLine(created.out + created.err));
}

CommandResult PostgresServer::Psql(const std::string& sql) const {
  return Combined(
      RunProcess({std::string(kBinDir) + "/psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h",
                  host(), "-p", std::to_string(port()), "-U", kUser, "-d", kDatabase, "-c", sql},
                 seconds(60), {"PGOPTIONS=-c client_min_messages=warning"}));
}

bool PostgresServer::PgbenchInit(int scale, std::string* output) const {
  ProcessOutput run = RunProcess(PgbenchArgv({"-i", "-q", "-s", std::to_string(scale)}),
                                 seconds(120), {"PGOPTIONS=-c client_min_messages=warning"});
  if (output != nullptr) *output = run.out + run.err;
  return run.exit_code == 0;
}

std::vector<std::string> PostgresServer::PgbenchArgv(const std::vector<std::string>& options,
                                                     bool unix_socket) const {
  std::vector<std::string> argv = {std::string(kBinDir) + "/pgbench",
                                   "-h",
                                   unix_socket ? socket_dir() : host(),
                                   "-p",
                                   std::to_string(port()),
                                   "-U",
                                   kUser};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(kDatabase);
  return argv;
}

std::vector<std::string> PostgresServer::ClientArgs(bool unix_socket) const {
  return {"--host",   unix_socket ? socket_dir() : host(),
          "--port",   std::to_string(port()),
          "--dbname", kDatabase,
          "--user",   kUser};
}

// --------------------------------------------------------------------------------------------
// MariaDB

MariadbServer::MariadbServer(const std::vector<std::string>& extra_args)
    : DbServer("mariadb", "MariaDB", SIGTERM) {
  const std::string mariadbd = FindBinary("mariadbd", "mariadb-server");
  const std::string install = FindBinary("mariadb-install-db", "mariadb-server");
  if (mariadbd.empty() || install.empty() || FindBinary("mariadb", "mariadb-client").empty()) {
    return;
  }
  const std::string data = dir() + "/data";
  if (std::string why = CopyMariadbTemplate(install, data); !why.empty()) {
    Fail(why);
    return;
  }
  std::vector<std::string> argv = {mariadbd,
                                   "--no-defaults",
                                   "--datadir=" + data,
                                   "--socket=" + socket_path(),
                                   "--pid-file=" + dir() + "/mysqld.pid",
                                   "--port=" + std::to_string(port()),
                                   "--bind-address=127.0.0.1",
                                   "--user=root",
                                   "--skip-log-bin",
                                   "--skip-name-resolve",
                                   "--innodb-buffer-pool-size=16M",
                                   kMariadbLogFileSize,
                                   "--innodb-use-native-aio=0",
                                   "--innodb-flush-log-at-trx-commit=0",
                                   "--max-connections=50"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  if (!Spawn(argv)) return;
  if (!WaitReady(
          [&] { return MariadbAdmin(socket_path(), "SELECT 1", "", seconds(5)).exit_code == 0; })) {
    return;
  }
  const std::string setup =
      std::string("DELETE FROM mysql.global_priv WHERE user = ''; FLUSH PRIVILEGES; ") +
      "CREATE DATABASE " + kDatabase + "; " + "CREATE USER '" + kUser +
      "'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING " + "PASSWORD('" + kPassword +
      "'); GRANT ALL ON " + kDatabase + ".* TO '" + kUser + "'@'127.0.0.1';";
  CommandResult result = MariadbAdmin(socket_path(), setup, "");
  if (result.exit_code != 0) Fail("creating user hostlens: " + OneLine(result.output));
}

CommandResult MariadbServer::Sql(const std::string& sql) const {
  return MariadbAdmin(socket_path(), sql, kDatabase);
}

std::vector<std::string> MariadbServer::ClientArgs() const {
  return {"--host", host(),       "--port",  std::to_string(port()), "--user",
          kUser,    "--password", kPassword, "--database",           kDatabase};
}

// --------------------------------------------------------------------------------------------
// Redis

RedisServer::RedisServer(const std::vector<std::string>& extra_args)
    : DbServer("redis", "Redis", SIGTERM) {
  const std::string binary = FindBinary("redis-server", "redis-server");
  if (binary.empty()) return;
  std::vector<std::string> argv = {binary,   "--port",       std::to_string(port()),
                                   "--bind", "127.0.0.1",    "--save",
                                   "",       "--appendonly", "no",
                                   "--dir",  dir(),          "--daemonize",
                                   "no",     "--logfile",    ""};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  if (!Spawn(argv)) return;
  WaitReady([&] { return Answers(port(), "PING\r\n", "+PONG"); });
}

ProcessOutput RedisServer::Cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-h", host(), "-p", std::to_string(port())};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, seconds(60));
}

std::vector<std::string> RedisServer::ClientArgs() const {
  return {"--host", host(), "--port", std::to_string(port())};
}

// --------------------------------------------------------------------------------------------
// memcached

MemcachedServer::MemcachedServer(const std::vector<std::string>& extra_args)
    : DbServer("memcached", "memcached", SIGTERM) {
  const std::string binary = FindBinary("memcached", "memcached");
  if (binary.empty()) return;
  std::vector<std::string> argv = {binary, "-l", "127.0.0.1", "-p", std::to_string(port()),
                                   "-U",   "0",  "-m",        "64"};
  // memcached refuses to run as root unless told which user to be.
  if (geteuid() == 0) argv.insert(argv.end(), {"-u", "root"});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  if (!Spawn(argv)) return;
  WaitReady([&] { return Answers(port(), "version\r\n", "VERSION "); });
}

std::vector<std::string> MemcachedServer::ClientArgs() const {
  return {"--host", host(), "--port", std::to_string(port())};
}

}  // namespace hostlens::testing
