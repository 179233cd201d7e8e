#include "agent/app/tls_scanner.h"

#include <spdlog/spdlog.h>

namespace hostlens::app {

TlsScanner::TlsScanner(targets::ProcessTable& processes, tls::TlsRegistry& registry)
    : processes_(processes), registry_(registry) {}

int TlsScanner::ScanOnce(bool rescan_all) {
  std::set<int> tracked;
  for (const auto& p : processes_.List()) tracked.insert(p.pid);
  std::set<int> known;
  for (int pid : registry_.Pids()) {
    if (!tracked.count(pid)) {
      registry_.Forget(pid);
    } else {
      known.insert(pid);
    }
  }
  int attached = 0;
  for (int pid : tracked) {
    if (rescan_all || !known.count(pid)) attached += registry_.Scan(pid);
  }
  if (attached > 0) {
    spdlog::info("attached TLS probes to {} more librar{} ({} in all)", attached,
                 attached == 1 ? "y" : "ies", registry_.attached_files());
  }
  return attached;
}

void TlsScanner::Start() {
  thread_ = std::thread([this] {
    auto next_rescan = std::chrono::steady_clock::now() + kRescanPeriod;
    std::unique_lock lock(mu_);
    while (!stop_) {
      wake_.wait_for(lock, kNewProcessPeriod, [this] { return stop_; });
      if (stop_) break;
      lock.unlock();
      const bool rescan = std::chrono::steady_clock::now() >= next_rescan;
      if (rescan) next_rescan = std::chrono::steady_clock::now() + kRescanPeriod;
      ScanOnce(rescan);
      lock.lock();
    }
  });
}

void TlsScanner::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hostlens::app
