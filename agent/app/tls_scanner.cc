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
    if (stopping_.load(std::memory_order_relaxed)) break;
    if (rescan_all || !known.count(pid)) attached += registry_.Scan(pid);
  }
  if (int detached = registry_.Sweep(kUnusedLinger)) {
    spdlog::debug("detached TLS probes from {} unused librar{}", detached,
                  detached == 1 ? "y" : "ies");
  }
  if (attached > 0) {
    spdlog::info("attached TLS probes to {} more librar{} ({} in all)", attached,
                 attached == 1 ? "y" : "ies", registry_.attached_files());
  }
  return attached;
}

void TlsScanner::Wake(int pid) {
  {
    std::lock_guard lock(mu_);
    woken_.insert(pid);
  }
  wake_.notify_one();
}

int TlsScanner::ScanWoken(const std::set<int>& pids) {
  int attached = 0;
  for (int pid : pids) {
    if (stopping_.load(std::memory_order_relaxed)) break;
    if (!processes_.IsTracked(pid)) continue;
    const auto started = std::chrono::steady_clock::now();
    attached += registry_.Scan(pid);
    spdlog::debug("TLS scan of process {}: {} in {} us", pid,
                  registry_.Scanned(pid) ? "done" : "its mappings could not be read",
                  std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started).count());
  }
  if (attached > 0) {
    spdlog::info("attached TLS probes to {} more librar{} ({} in all)", attached,
                 attached == 1 ? "y" : "ies", registry_.attached_files());
  }
  return attached;
}

void TlsScanner::Start() {
  thread_ = std::thread([this] {
    auto next_pass = std::chrono::steady_clock::now() + kNewProcessPeriod;
    auto next_rescan = std::chrono::steady_clock::now() + kRescanPeriod;
    std::unique_lock lock(mu_);
    while (!stop_) {
      wake_.wait_until(lock, next_pass, [this] { return stop_ || !woken_.empty(); });
      if (stop_) break;
      std::set<int> woken = std::move(woken_);
      woken_.clear();
      lock.unlock();
      if (!woken.empty()) ScanWoken(woken);
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_pass) {
        const bool rescan = now >= next_rescan;
        if (rescan) next_rescan = now + kRescanPeriod;
        ScanOnce(rescan);
        next_pass = std::chrono::steady_clock::now() + kNewProcessPeriod;
      }
      lock.lock();
    }
  });
}

void TlsScanner::Stop() {
  stopping_.store(true, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hostlens::app
