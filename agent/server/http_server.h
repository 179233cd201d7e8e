#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <variant>
#include <vector>

#include "agent/config/web_config.h"
#include "agent/server/api_query.h"

class CivetServer;
class CivetHandler;

namespace hostlens::server {

// What the endpoints serve. Each function is called on a CivetWeb worker
// thread, possibly several at once: they must be reentrant and must not
// throw.
struct Endpoints {
  std::function<std::string()> metrics;                       // Prometheus text format
  std::function<bool()> healthy;                              // event loop alive
  std::function<std::optional<std::string>()> not_ready_reason;  // nullopt once ready
  std::function<std::string()> status_json;
  // /api/v1/slow-queries and /api/v1/routes: JSON for the parsed query parameters.
  std::function<std::string(const ApiQuery&)> slow_queries_json;
  std::function<std::string(const ApiQuery&)> routes_json;
};

// Who may reach the endpoints and how (--web-config-file, --web-open-health).
struct Security {
  std::optional<config::TlsServerConfig> tls;  // set: HTTPS only on the address
  // User -> bcrypt hash; non-empty: every request needs Basic auth, else 401.
  std::map<std::string, std::string> basic_auth_users;
  bool open_health = false;  // /healthz and /readyz need no credentials
};

class BasicAuthenticator;

// The agent's one CivetServer: /metrics, /healthz, /readyz, /api/v1/status,
// /api/v1/slow-queries, /api/v1/routes;
// other paths 404, methods other than GET and HEAD 405.
class HttpServer {
 public:
  // The endpoint's limits (README "Endpoints"): request headers up to this size (larger: 400),
  // this long to read a request or write its answer, this many requests served at once.
  static constexpr int kMaxRequestHeaderBytes = 16384;
  static constexpr int kRequestTimeoutMs = 3000;
  static constexpr int kWorkers = 16;

  // `address` as CivetWeb's listening_ports takes it ("0.0.0.0:9477",
  // "[::1]:9477"). Error: one line, "failed to listen on ADDR:PORT: reason", or for TLS
  // "TLS: <file and OpenSSL's reason>".
  static std::variant<std::unique_ptr<HttpServer>, std::string> Start(const std::string& address,
                                                                      Endpoints endpoints,
                                                                      Security security = {});
  // From now on every endpoint answers 503 without calling into Endpoints;
  // returns once no handler is running. Lets the caller tear down what the
  // endpoints read while CivetWeb (slow to stop: up to 2 s in 1.15) winds down.
  void Close();

  // Stops CivetWeb (joining its workers) before the handlers go away.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

 private:
  HttpServer() = default;
  // Taken shared by every request, exclusively by Close().
  std::shared_mutex gate_;
  bool closed_ = false;
  Endpoints endpoints_;
  std::unique_ptr<BasicAuthenticator> authenticator_;  // null: no Basic auth
  std::optional<config::TlsServerConfig> tls_;          // CivetServer's user context
  std::vector<std::unique_ptr<CivetHandler>> handlers_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace hostlens::server
