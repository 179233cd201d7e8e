#pragma once
// Real database and cache servers, and the clients that drive them, for integration tests.
//
// Each server is a throwaway instance: its own FreePort() on 127.0.0.1 only, its data in its own
// TempDir, readiness polled with a deadline, and on destruction stopped, its whole process group
// killed and its main process reaped, so nothing outlives a test. A server that cannot start
// (binary missing, bad option, not ready in time) never throws or hangs: ok() is false and
// error() says why in one line, with the tail of the server's log, for
//
//   PostgresServer pg;
//   ASSERT_TRUE(pg.ok()) << pg.error();
//
// The clients (tests/integration/clients/) print what they sent as one JSON object on stdout;
// RunClient() runs one and parses it.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.h"

namespace hostlens::testing {

// What a finished child process left.
struct ProcessOutput {
  int exit_code = -1;  // its exit status; 128 + signal if killed; 127 if it could not be run
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `argv` (argv[0] a path, or a name looked up in PATH) in its own process group with
// `env` ("NAME=value") added to the environment and stdin from /dev/null; after `timeout` the
// whole group is killed.
ProcessOutput RunProcess(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60),
                         const std::vector<std::string>& env = {});

// pgbench's "number of transactions actually processed: 500/500" → 500; -1 if missing.
long PgbenchTransactions(const std::string& output);

// `argv` as one shell-quoted line, for messages and RunCommand.
std::string ShellJoin(const std::vector<std::string>& argv);

// A client run: its output and the JSON object it printed.
struct ClientReport {
  std::vector<std::string> argv;
  ProcessOutput output;
  nlohmann::json json;  // the last non-empty stdout line parsed; null if that is not an object

  bool ok() const { return output.exit_code == 0 && !output.timed_out && json.is_object(); }
  // One paragraph for a failure message: command, exit code, stderr and stdout tails.
  std::string Describe() const;
  // json[section][key] as a number, 0 if absent: Count("queries", "INSERT items").
  double Count(const std::string& section, const std::string& key) const;
};
ClientReport RunClient(const std::vector<std::string>& argv,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

// `/usr/bin/python3 -B tests/integration/clients/<script> <args...>`.
std::vector<std::string> PythonClientArgv(const std::string& script,
                                          const std::vector<std::string>& args = {});
// The built tests/integration/clients/mysql_client.cc with `args`.
std::vector<std::string> MysqlClientArgv(const std::vector<std::string>& args = {});

// The sockets process `pid` has bound for listening, as "tcp <addr>:<port>" (TCP in LISTEN) and
// "udp <addr>:<port>" (unconnected UDP); IPv6 addresses in brackets: "tcp [::1]:6379".
std::vector<std::string> ListeningAddresses(pid_t pid);

// Pids of the live (not zombie) processes of process group `pgid`.
std::vector<pid_t> ProcessGroupMembers(pid_t pgid);

// What the servers share: a temp dir, a loopback port, the main process and its log.
class DbServer {
 public:
  virtual ~DbServer();
  DbServer(const DbServer&) = delete;
  DbServer& operator=(const DbServer&) = delete;

  bool ok() const { return error_.empty(); }
  // Why the server is not up, in one line (with the log's tail); "" when ok().
  const std::string& error() const { return error_; }

  std::string host() const { return "127.0.0.1"; }
  uint16_t port() const { return port_; }
  // The server's main process, leader of its own process group (its workers are in it); -1 if
  // it was never started.
  pid_t pid() const { return pid_; }
  // The temp dir: data, sockets and log; removed on destruction.
  const std::string& dir() const { return dir_.path(); }
  // The server's own stdout and stderr.
  std::string log_path() const { return dir() + "/server.log"; }
  std::string LogTail(size_t lines = 15) const;

  // Stops the server now (the signal of a clean shutdown, then SIGKILL to the whole group after
  // 10 s) and reaps it; the destructor does it otherwise.
  void Stop();

 protected:
  // `name` tags the temp dir; `product` names the server in error messages.
  DbServer(const std::string& name, std::string product, int stop_signal);

  // Starts `argv` as the main process, in the temp dir, as user `run_as` unless empty; stdout and
  // stderr to log_path(). False (and error() set) if it could not.
  bool Spawn(const std::vector<std::string>& argv, const std::string& run_as = "");
  // Polls `ready` until it holds; false (and error() set) at `timeout` or if the server exits.
  bool WaitReady(const std::function<bool()>& ready,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Sets error() to "failed to start <product>: <what>; log: <tail>" and stops the server.
  void Fail(const std::string& what);
  // The absolute path of executable `name` (PATH, /usr/sbin, /sbin), or "" (and error() set).
  std::string FindBinary(const std::string& name, const std::string& package);

 private:
  TempDir dir_;
  std::string product_;
  int stop_signal_;
  uint16_t port_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string error_;
};

// PostgreSQL 15: initdb (as `postgres`, which initdb requires when run by root), trust auth for
// local and 127.0.0.1, fsync off, Unix socket in dir(), a database `hostlens`.
class PostgresServer : public DbServer {
 public:
  static constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
  static constexpr const char* kUser = "postgres";
  static constexpr const char* kDatabase = "hostlens";

  // `extra_args`: more postgres options, e.g. {"-c", "log_statement=all"}.
  explicit PostgresServer(const std::vector<std::string>& extra_args = {});

  // The Unix socket: dir() + "/.s.PGSQL.<port>".
  const std::string& socket_dir() const { return dir(); }

  // `sql` through psql -X -A -t -v ON_ERROR_STOP=1 as postgres on database hostlens over TCP
  // (notices off); output is stdout then stderr, the trailing newline removed.
  CommandResult Psql(const std::string& sql) const;
  // pgbench -i -q -s `scale` on hostlens; `output`, if given, gets what it printed.
  bool PgbenchInit(int scale, std::string* output = nullptr) const;
  // The pgbench binary itself (its exe is "pgbench", unlike /usr/bin/pgbench's perl wrapper),
  // connection options, `options`, then the database:
  //   RunProcess(pg.PgbenchArgv({"-n", "-S", "-t", "200"}))
  std::vector<std::string> PgbenchArgv(const std::vector<std::string>& options,
                                       bool unix_socket = false) const;
  // The options pg_client.py takes to connect here: --host (127.0.0.1 or, with `unix_socket`,
  // socket_dir()) --port --dbname --user.
  std::vector<std::string> ClientArgs(bool unix_socket = false) const;

  // The options that make a server `ssl = on` with a certificate made in `cert_dir` (readable
  // by the server's user, key private); pass them to the constructor. Empty, and `*error` set,
  // when the certificate could not be made.
  static std::vector<std::string> TlsOptions(const std::string& cert_dir, std::string* error);
};

// MariaDB (mariadbd as root, no binary log, 16 MB buffer pool, no name resolution) with user
// hostlens@127.0.0.1 (password hostlens, mysql_native_password) owning database hostlens.
class MariadbServer : public DbServer {
 public:
  static constexpr const char* kUser = "hostlens";
  static constexpr const char* kPassword = "hostlens";
  static constexpr const char* kDatabase = "hostlens";

  explicit MariadbServer(const std::vector<std::string>& extra_args = {});

  std::string socket_path() const { return dir() + "/mysqld.sock"; }

  // `sql` through the mariadb client as root over the Unix socket, on database hostlens,
  // --batch --skip-column-names; output is stdout then stderr, the trailing newline removed.
  CommandResult Sql(const std::string& sql) const;
  // The options mysql_client takes to connect here over TCP as hostlens.
  std::vector<std::string> ClientArgs() const;
};

// redis-server with persistence off.
class RedisServer : public DbServer {
 public:
  explicit RedisServer(const std::vector<std::string>& extra_args = {});

  // redis-cli -h 127.0.0.1 -p port `args...`.
  ProcessOutput Cli(const std::vector<std::string>& args) const;
  // The options cache_client.py takes to connect here.
  std::vector<std::string> ClientArgs() const;
};

// memcached, TCP only (-U 0), 64 MB.
class MemcachedServer : public DbServer {
 public:
  explicit MemcachedServer(const std::vector<std::string>& extra_args = {});

  std::vector<std::string> ClientArgs() const;
};

}  // namespace hostlens::testing
