#include "agent/server/http_server.h"

#include <CivetServer.h>

#include "agent/server/gzip.h"

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

// GET and HEAD go to Serve(); every other method gets 405.
class Handler : public CivetHandler {
 public:
  explicit Handler(std::string path) : path_(std::move(path)) {}
  bool handleGet(CivetServer*, mg_connection* conn) override { return Dispatch(conn); }
  bool handleHead(CivetServer*, mg_connection* conn) override { return Dispatch(conn); }
  bool handlePost(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleOptions(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }

 protected:
  virtual void Serve(mg_connection* conn) = 0;

 private:
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
    Respond(conn, 405, "text/plain", "method not allowed\n", "Allow: GET, HEAD\r\n");
    return true;
  }
  std::string path_;
};

// Serves through the gate: shared while open, 503 once closed.
template <typename F>
class FunctionHandler : public Handler {
 public:
  FunctionHandler(std::string path, std::shared_mutex& gate, const bool& closed, F serve)
      : Handler(std::move(path)), gate_(gate), closed_(closed), serve_(std::move(serve)) {}

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

int LogMessage(const mg_connection*, const char* message) {
  std::lock_guard lock(last_error_mu);
  last_error = message;
  return 1;  // handled: CivetWeb prints nothing itself
}

}  // namespace

std::variant<std::unique_ptr<HttpServer>, std::string> HttpServer::Start(
    const std::string& address, Endpoints endpoints) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->endpoints_ = std::move(endpoints);
  const Endpoints& e = server->endpoints_;
  auto MakeHandler = [&server](std::string path, auto serve) -> std::unique_ptr<CivetHandler> {
    return std::make_unique<FunctionHandler<decltype(serve)>>(std::move(path), server->gate_,
                                                              server->closed_, std::move(serve));
  };

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
                      }));
  routes.emplace_back("/readyz", MakeHandler("/readyz", [&e](mg_connection* conn) {
                        if (auto reason = e.not_ready_reason()) {
                          Respond(conn, 503, "text/plain", *reason + "\n");
                        } else {
                          Respond(conn, 200, "text/plain", "ready\n");
                        }
                      }));
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
  const std::vector<std::string> options = {
      "listening_ports", address, "num_threads", "4", "enable_keep_alive", "yes",
      "request_timeout_ms", "10000", "enable_directory_listing", "no"};
  try {
    server->server_ = std::make_unique<CivetServer>(options, &callbacks);
  } catch (const std::exception& ex) {
    std::lock_guard lock(last_error_mu);
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
