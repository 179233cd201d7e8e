#include "agent/server/http_server.h"

#include <CivetServer.h>

#include "agent/server/basic_auth.h"
#include "agent/server/gzip.h"
#include "agent/server/tls_context.h"

#include <cstring>
#include <mutex>
#include <string_view>

namespace hostlens::server {
namespace {

constexpr const char* kTextFormat = "text/plain; version=0.0.4; charset=utf-8";

void Respond(mg_connection* conn, int status, const char* content_type, std::string_view body,
             const char* extra_headers = "") {
  const mg_request_info* request = mg_get_request_info(conn);
  const bool head = request && std::strcmp(request->request_method, "HEAD") == 0;
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\n%s\r\n",
            status, mg_get_response_code_text(conn, status), content_type, body.size(),
            extra_headers);
  if (!head) mg_write(conn, body.data(), body.size());
}

// Basic auth first, whatever the method and path, so that nothing (not even which paths exist)
// is told without credentials; then GET and HEAD go to Serve() and every other method gets 405.
// `authenticator` null: no credentials needed here.
class Handler : public CivetHandler {
 public:
  Handler(std::string path, BasicAuthenticator* authenticator)
      : path_(std::move(path)), authenticator_(authenticator) {}
  bool handleGet(CivetServer*, mg_connection* conn) override {
    return Authorized(conn) ? Dispatch(conn) : true;
  }
  bool handleHead(CivetServer*, mg_connection* conn) override {
    return Authorized(conn) ? Dispatch(conn) : true;
  }
  bool handlePost(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleOptions(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }

 protected:
  virtual void Serve(mg_connection* conn) = 0;

 private:
  // Answers 401 itself when the request lacks valid credentials.
  bool Authorized(mg_connection* conn) {
    if (authenticator_ == nullptr || authenticator_->Allows(mg_get_header(conn, "Authorization"))) {
      return true;
    }
    Respond(conn, 401, "text/plain", "unauthorized\n",
            "WWW-Authenticate: Basic realm=\"hostlens\"\r\n");
    return false;
  }
  bool Dispatch(mg_connection* conn) {
    // CivetWeb also routes /metrics/anything here; only the exact path is ours.
    const mg_request_info* request = mg_get_request_info(conn);
    if (!path_.empty() && (!request || request->local_uri == nullptr || path_ != request->local_uri)) {
      Respond(conn, 404, "text/plain", "not found\n");
    } else {
      Serve(conn);
    }
    return true;
  }
  bool NotAllowed(mg_connection* conn) {
    if (!Authorized(conn)) return true;
    Respond(conn, 405, "text/plain", "method not allowed\n", "Allow: GET, HEAD\r\n");
    return true;
  }
  std::string path_;
  BasicAuthenticator* authenticator_;
};

// Serves through the gate: shared while open, 503 once closed.
template <typename F>
class FunctionHandler : public Handler {
 public:
  FunctionHandler(std::string path, BasicAuthenticator* authenticator, std::shared_mutex& gate,
                  const bool& closed, F serve)
      : Handler(std::move(path), authenticator), gate_(gate), closed_(closed), serve_(std::move(serve)) {}

 protected:
  void Serve(mg_connection* conn) override {
    std::shared_lock lock(gate_);
    if (closed_) {
      Respond(conn, 503, "text/plain", "shutting down\n");
      return;
    }
    serve_(conn);
  }

 private:
  std::shared_mutex& gate_;
  const bool& closed_;
  F serve_;
};

std::mutex last_error_mu;
std::string last_error;
std::string tls_error;  // from InitSsl; guarded by last_error_mu

int LogMessage(const mg_connection*, const char* message) {
  std::lock_guard lock(last_error_mu);
  last_error = message;
  return 1;  // handled: CivetWeb prints nothing itself
}

// CivetWeb calls this while it starts, on the thread that constructs the CivetServer, with the
// SSL_CTX it made. Returning 1 tells it the context is complete: it loads no certificate itself.
// Its user_data is the CivetServer, whose user context is the TLS settings.
int InitSsl(void* ssl_ctx, void* user_data) {
  const auto* tls = static_cast<const config::TlsServerConfig*>(
      static_cast<CivetServer*>(user_data)->getUserContext());
  std::string error = ConfigureTlsContext(ssl_ctx, *tls);
  if (error.empty()) return 1;
  std::lock_guard lock(last_error_mu);
  tls_error = std::move(error);
  return -1;
}

}  // namespace

std::variant<std::unique_ptr<HttpServer>, std::string> HttpServer::Start(
    const std::string& address, Endpoints endpoints, Security security) {
  if (security.tls) {
    if (std::string problem = CheckCivetwebTls(); !problem.empty()) return "TLS: " + problem;
  }
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->endpoints_ = std::move(endpoints);
  if (!security.basic_auth_users.empty()) {
    server->authenticator_ =
        std::make_unique<BasicAuthenticator>(std::move(security.basic_auth_users));
  }
  const Endpoints& e = server->endpoints_;
  auto MakeHandler = [&server](std::string path, auto serve,
                               bool open = false) -> std::unique_ptr<CivetHandler> {
    return std::make_unique<FunctionHandler<decltype(serve)>>(
        std::move(path), open ? nullptr : server->authenticator_.get(), server->gate_,
        server->closed_, std::move(serve));
  };
  const bool open_health = security.open_health;

  std::vector<std::pair<std::string, std::unique_ptr<CivetHandler>>> routes;
  routes.emplace_back("/metrics", MakeHandler("/metrics", [&e](mg_connection* conn) {
                        const std::string text = e.metrics();
                        if (AcceptsGzip(mg_get_header(conn, "Accept-Encoding"))) {
                          if (auto gzipped = Gzip(text)) {
                            Respond(conn, 200, kTextFormat, *gzipped,
                                    "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
                            return;
                          }
                        }
                        Respond(conn, 200, kTextFormat, text, "Vary: Accept-Encoding\r\n");
                      }));
  routes.emplace_back("/healthz", MakeHandler("/healthz", [&e](mg_connection* conn) {
                        if (e.healthy()) {
                          Respond(conn, 200, "text/plain", "ok\n");
                        } else {
                          Respond(conn, 503, "text/plain", "event loop stalled\n");
                        }
                      }, open_health));
  routes.emplace_back("/readyz", MakeHandler("/readyz", [&e](mg_connection* conn) {
                        if (auto reason = e.not_ready_reason()) {
                          Respond(conn, 503, "text/plain", *reason + "\n");
                        } else {
                          Respond(conn, 200, "text/plain", "ready\n");
                        }
                      }, open_health));
  routes.emplace_back("/api/v1/status", MakeHandler("/api/v1/status", [&e](mg_connection* conn) {
                        Respond(conn, 200, "application/json", e.status_json());
                      }));
  // Bad query parameters get 400 with the reason; an API not wired in gets 404.
  auto api = [&MakeHandler](const char* path, const std::function<std::string(const ApiQuery&)>& json,
                            std::vector<std::string_view> allowed) {
    return MakeHandler(path, [&json, allowed = std::move(allowed)](mg_connection* conn) {
      if (!json) {
        Respond(conn, 404, "text/plain", "not found\n");
        return;
      }
      const mg_request_info* request = mg_get_request_info(conn);
      std::string error;
      auto query = ParseApiQuery(request && request->query_string ? request->query_string : "",
                                 allowed, &error);
      if (!query) {
        Respond(conn, 400, "text/plain", error + "\n");
        return;
      }
      Respond(conn, 200, "application/json", json(*query));
    });
  };
  routes.emplace_back("/api/v1/slow-queries",
                      api("/api/v1/slow-queries", e.slow_queries_json, {"service", "system", "limit"}));
  routes.emplace_back("/api/v1/routes", api("/api/v1/routes", e.routes_json, {"service", "limit"}));
  routes.emplace_back("/", MakeHandler("", [](mg_connection* conn) {
                        Respond(conn, 404, "text/plain", "not found\n");
                      }));

  CivetCallbacks callbacks;
  callbacks.log_message = &LogMessage;
  // An "s" after the port makes CivetWeb speak TLS there, with the context InitSsl sets up.
  if (security.tls) callbacks.init_ssl = &InitSsl;
  // Limits, so that no client holds the endpoint: a request's headers fit in 16 KiB (else 400);
  // reading a request and writing its answer each get 3 s (a client that sends nothing, or reads
  // nothing, loses its worker then); 16 workers, so that a few such clients do not stall a scrape
  // even meanwhile. CivetWeb's default was one worker held 10 s per idle connection: 8 idle
  // connections kept a scrape waiting over 15 s.
  const std::vector<std::string> options = {
      "listening_ports", security.tls ? address + "s" : address,
      "num_threads", std::to_string(kWorkers),
      "max_request_size", std::to_string(kMaxRequestHeaderBytes),
      "request_timeout_ms", std::to_string(kRequestTimeoutMs),
      "enable_keep_alive", "yes",
      "enable_directory_listing", "no"};
  try {
    {
      std::lock_guard lock(last_error_mu);
      tls_error.clear();
    }
    server->tls_ = std::move(security.tls);
    const config::TlsServerConfig* tls = server->tls_ ? &*server->tls_ : nullptr;
    server->server_ = std::make_unique<CivetServer>(options, &callbacks, tls);
  } catch (const std::exception& ex) {
    std::lock_guard lock(last_error_mu);
    if (!tls_error.empty()) return "TLS: " + tls_error;
    return "failed to listen on " + address + ": " +
           (last_error.empty() ? std::string(ex.what()) : last_error);
  }
  for (auto& [path, handler] : routes) {
    server->server_->addHandler(path, handler.get());
    server->handlers_.push_back(std::move(handler));
  }
  return server;
}

void HttpServer::Close() {
  std::unique_lock lock(gate_);
  closed_ = true;
}

HttpServer::~HttpServer() {
  if (server_) server_->close();
  server_.reset();
}

}  // namespace hostlens::server
