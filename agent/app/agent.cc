#include "agent/app/agent.h"

#include <spdlog/spdlog.h>

#include <future>
#include <system_error>

#include "agent/app/capabilities.h"
#include "agent/app/collectors.h"
#include "agent/app/endpoints.h"
#include "agent/app/kernel.h"

namespace hostlens::app {

std::variant<std::unique_ptr<Agent>, std::string> Agent::Start(config::Options options) {
  std::unique_ptr<Agent> agent(new Agent(std::move(options)));
  if (auto error = agent->Build()) return *error;
  return agent;
}

std::optional<std::string> Agent::Build() {
  auto probes = LoadKernel(options_);
  if (auto* error = std::get_if<std::string>(&probes)) return *error;
  probes_ = std::move(std::get<std::unique_ptr<bpf::Probes>>(probes));
  // Before any thread starts: every thread after this one inherits what is left.
  if (options_.drop_capabilities) {
    const uint64_t keep = CapabilitiesToKeep(options_.listen_port,
                                             probes_->fallbacks().count("uprobe_multi") > 0);
    if (auto error = DropCapabilitiesExcept(keep)) return *error;
    spdlog::info("capabilities kept: {}", CapabilityNames(keep));
  }

  auto stages = Stages::Create(options_, *probes_);
  if (auto* error = std::get_if<std::string>(&stages)) return *error;
  stages_ = std::move(std::get<std::unique_ptr<Stages>>(stages));
  AddCollectors(scraper_, *stages_);
  // The running processes' TLS libraries are probed before the agent says ready; a process
  // that execs or maps a library later is scanned as soon as the kernel says so.
  tls_scanner_ = std::make_unique<TlsScanner>(stages_->processes, stages_->tls_registry);
  stages_->dispatcher.SetCodeChangedListener(
      [scanner = tls_scanner_.get()](uint32_t tgid) { scanner->Wake(static_cast<int>(tgid)); });
  tls_scanner_->ScanOnce(true);
  tls_scanner_->Start();

  auto opened = bpf::RingBuffer::Open(probes_->events_fd(), [d = &stages_->dispatcher](
                                                                const void* data, size_t size) {
    d->Handle(data, size);
  });
  if (auto* error = std::get_if<bpf::LoadError>(&opened)) return error->message;
  ring_buffer_ = std::move(std::get<std::unique_ptr<bpf::RingBuffer>>(opened));
  loop_ = std::make_unique<EventLoop>(*ring_buffer_);

  server::Security security;
  if (options_.web_config) {
    security.tls = options_.web_config->tls;
    security.basic_auth_users = options_.web_config->basic_auth_users;
  }
  security.open_health = options_.web_open_health;
  const bool tls = security.tls.has_value();
  const bool basic_auth = !security.basic_auth_users.empty();
  auto started = server::HttpServer::Start(
      options_.ListenAddress(), MakeEndpoints({*stages_, scraper_, *loop_, readiness_}),
      std::move(security));
  if (auto* error = std::get_if<std::string>(&started)) return *error;
  http_ = std::move(std::get<std::unique_ptr<server::HttpServer>>(started));
  spdlog::info("serving {}://{}/metrics (also /healthz /readyz /api/v1/status){}",
               tls ? "https" : "http", options_.ListenAddress(),
               basic_auth ? (options_.web_open_health ? ", Basic auth except /healthz /readyz"
                                                       : ", Basic auth")
                          : "");

  scraper_.Collect();
  readiness_.SetReady();
  return std::nullopt;
}

bool Agent::Stop(std::chrono::steady_clock::time_point deadline) {
  std::future<void> http_stopped;
  if (http_) {
    // Once closed, no handler reads what follows; CivetWeb winds down alongside the rest.
    http_->Close();
    std::promise<void> stopped;
    http_stopped = stopped.get_future();
    http_stopper_ = std::thread([this, stopped = std::move(stopped)]() mutable {
      http_.reset();
      stopped.set_value();
    });
  }
  // Detaching takes RCU grace periods (about 1 s for all programs on 6.18), so it starts now and
  // overlaps with the rest; the scanner stops first so that it attaches nothing meanwhile.
  if (tls_scanner_) tls_scanner_->Stop();
  std::thread detacher;
  if (probes_) {
    try {
      detacher = std::thread([probes = probes_.get()] { probes->DetachAll(); });
    } catch (const std::system_error&) {
      probes_->DetachAll();
    }
  }
  if (loop_) loop_->Stop();
  loop_.reset();
  // After the loop, which tells it about new code; before the stages it reads.
  tls_scanner_.reset();
  ring_buffer_.reset();
  stages_.reset();
  if (detacher.joinable()) detacher.join();
  if (probes_) spdlog::debug("BPF programs detached");
  probes_.reset();
  if (http_stopped.valid() && http_stopped.wait_until(deadline) != std::future_status::ready) {
    return false;
  }
  if (http_stopper_.joinable()) http_stopper_.join();
  return true;
}

// A failed Start() lands here with whatever it had built: the same order applies.
Agent::~Agent() { Stop(std::chrono::steady_clock::time_point::max()); }

}  // namespace hostlens::app
