#pragma once

// The assembled agent. Construction follows the data: BPF probes, then the stages events flow
// through (stages.h), the scraper's collectors, the ring buffer and its event loop, and last the
// HTTP server, so nothing is served before it can be answered. Shutdown runs the other way round
// where it matters: the server first (no handler reads what follows), then the event loop, then
// everything the kernel holds.

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <variant>

#include "agent/app/event_loop.h"
#include "agent/app/readiness.h"
#include "agent/app/stages.h"
#include "agent/app/tls_scanner.h"
#include "agent/bpf/probes.h"
#include "agent/bpf/ring_buffer.h"
#include "agent/config/options.h"
#include "agent/metrics/scraper.h"
#include "agent/server/http_server.h"

namespace hostlens::app {

class Agent {
 public:
  // Loads, attaches, serves, runs the first collection and reports ready. Error: one line.
  static std::variant<std::unique_ptr<Agent>, std::string> Start(config::Options options);

  // Server, event loop, stages, BPF. Returns false when CivetWeb (up to 2 s to join its workers
  // in 1.15) is still stopping at `deadline`: everything the kernel holds is released by then
  // and the remaining workers touch nothing of ours, so the caller may exit the process without
  // destroying the Agent.
  bool Stop(std::chrono::steady_clock::time_point deadline);

  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

 private:
  explicit Agent(config::Options options) : options_(std::move(options)) {}
  std::optional<std::string> Build();

  const config::Options options_;
  std::unique_ptr<bpf::Probes> probes_;
  std::unique_ptr<Stages> stages_;
  metrics::Scraper scraper_;
  Readiness readiness_;
  std::unique_ptr<bpf::RingBuffer> ring_buffer_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<TlsScanner> tls_scanner_;
  std::unique_ptr<server::HttpServer> http_;
  std::thread http_stopper_;
};

}  // namespace hostlens::app
