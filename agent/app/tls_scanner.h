#pragma once

// Keeps the TLS probes in step with the tracked processes: scans each newly tracked process's
// executable mappings (tls/tls_registry.h), rescans all of them now and then for libraries
// loaded later with dlopen, and forgets processes that are gone. Runs on its own thread: reading
// a library's symbols takes milliseconds the event loop must not spend.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "agent/targets/process_table.h"
#include "agent/tls/tls_registry.h"

namespace hostlens::app {

class TlsScanner {
 public:
  static constexpr auto kNewProcessPeriod = std::chrono::milliseconds(500);
  static constexpr auto kRescanPeriod = std::chrono::seconds(10);
  // How long a library no tracked process maps any more keeps its probes.
  static constexpr auto kUnusedLinger = std::chrono::seconds(60);

  TlsScanner(targets::ProcessTable& processes, tls::TlsRegistry& registry);
  ~TlsScanner() { Stop(); }
  TlsScanner(const TlsScanner&) = delete;
  TlsScanner& operator=(const TlsScanner&) = delete;

  // One pass on the caller's thread (the agent's start, before it says ready); returns the
  // number of files newly attached.
  int ScanOnce(bool rescan_all);
  void Start();
  void Stop();
  // A tracked process exec'd or mapped a file executable: scan it now, not at the next pass.
  // Returns at once (the event loop calls it).
  void Wake(int pid);

 private:
  int ScanWoken(const std::set<int>& pids);

  targets::ProcessTable& processes_;
  tls::TlsRegistry& registry_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::set<int> woken_;  // pids to scan again now
  std::thread thread_;
};

}  // namespace hostlens::app
