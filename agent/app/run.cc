#include "agent/app/run.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "agent/app/agent.h"
#include "agent/app/logging.h"

namespace hostlens::app {
namespace {

constexpr int kExitStartup = 1;
// SIGTERM to exit, all included: Kubernetes and systemd expect it quick (the lifecycle tests
// hold it under 2 s).
constexpr auto kStopBudget = std::chrono::milliseconds(1500);

std::atomic<bool> stop_requested{false};

void OnSignal(int) { stop_requested.store(true); }

}  // namespace

int Run(const config::Options& options) {
  SetUpLogging(options.log_level);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  auto started = Agent::Start(options);
  if (auto* error = std::get_if<std::string>(&started)) {
    std::cerr << "hostlens: " << *error << "\n";
    return kExitStartup;
  }
  auto agent = std::move(std::get<std::unique_ptr<Agent>>(started));

  while (!stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  spdlog::info("stopping");
  if (!agent->Stop(std::chrono::steady_clock::now() + kStopBudget)) {
    spdlog::debug("http server still stopping; exiting anyway");
    spdlog::shutdown();
    std::_Exit(0);
  }
  return 0;
}

}  // namespace hostlens::app
