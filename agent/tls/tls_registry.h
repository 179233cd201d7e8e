#pragma once

// The TLS library files of the tracked processes and their probes: each file (device + inode)
// is read and attached once, shared by every process that maps it, and detached when the last
// one is forgotten. Files without TLS are remembered too, so a process's libc is read once.

#include <chrono>
#include <compare>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "agent/tls/maps_parser.h"
#include "agent/tls/tls_library.h"

namespace hostlens::tls {

// The kernel side: attaches the probes to a file's TLS functions.
class TlsAttacher {
 public:
  virtual ~TlsAttacher() = default;
  // A handle that detaches the probes when the last copy is released, or one line saying why not.
  virtual std::variant<std::shared_ptr<void>, std::string> Attach(const std::string& path,
                                                                  const TlsFile& file) = 0;
};

// What a process's TLS files are, for /api/v1/status.
struct TlsFileStatus {
  std::string path;     // as the process maps it
  std::string library;  // openssl, gnutls, go
  std::string state;    // attached, no_symbols, unsupported, failed
  std::string reason;   // failed / unsupported: why
  std::vector<std::string> functions;  // attached: the functions probed (openssl_tls.h)
};

class TlsRegistry {
 public:
  // `proc_root`: where /proc is ("/proc"; tests may point elsewhere).
  TlsRegistry(std::string proc_root, TlsAttacher& attacher);

  // Reads the process's executable mappings and attaches to each TLS file not seen before.
  // Returns the number of files newly attached. Any thread.
  int Scan(int pid);
  // The process is gone: its files lose a reference. Files no process maps keep their probes
  // for a while (a client run again and again finds them attached); Sweep detaches them.
  void Forget(int pid);
  // Detaches the files no process has mapped for `linger` or longer. Returns how many.
  int Sweep(std::chrono::steady_clock::duration linger);
  // Whether Scan has read the process's mappings.
  bool Scanned(int pid) const;
  // Scans the process unless it was scanned already; waits (up to `wait`) for a scan of it in
  // progress on another thread instead of racing it. For the event loop, when a connection needs
  // its process's TLS state: a short-lived process may be gone by the next scanner pass.
  void EnsureScanned(int pid, std::chrono::milliseconds wait);
  // The pids scanned so far.
  std::vector<int> Pids() const;

  // The TLS files of `pid` (files without TLS are not listed).
  std::vector<TlsFileStatus> StatusOf(int pid) const;
  // Why TLS connections of `pid` cannot be decrypted: "" if one of its TLS libraries is
  // attached; else "no_symbols", "unsupported_library", "unsupported_go_version",
  // "unsupported_arch", "attach_failed", "no_tls_library", or "not_scanned" when the process
  // ended before its mappings were read.
  std::string UncoveredReason(int pid) const;
  size_t attached_files() const;

 private:
  struct Key {
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    uint64_t inode = 0;
    auto operator<=>(const Key&) const = default;
  };
  enum class State { kNotTls, kAttached, kNoSymbols, kUnsupported, kFailed };
  struct File {
    State state = State::kNotTls;
    std::string path;
    std::string library;
    std::string reason;
    std::string uncovered;  // the uncovered reason when not the state's own (Go's version, arch)
    std::vector<std::string> functions;  // kAttached: what is probed
    std::shared_ptr<void> probes;  // kAttached
    // The process ended while its file was read or attached (a short-lived client): nothing is
    // known of the file, which is not kept; the next process mapping it has it examined afresh.
    bool vanished = false;
    std::set<int> pids;
    std::chrono::steady_clock::time_point unused_since;  // when `pids` became empty
  };

  File Examine(int pid, const FileMapping& mapping);

  const std::string proc_root_;
  TlsAttacher& attacher_;
  mutable std::mutex mu_;
  std::condition_variable scanned_;  // a scan ended
  std::set<int> scanning_;           // pids whose mappings are being examined
  std::map<Key, File> files_;
  std::map<int, std::set<Key>> processes_;
};

}  // namespace hostlens::tls
