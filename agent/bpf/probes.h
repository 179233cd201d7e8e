#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "agent/bpf/error.h"
#include "agent/bpf/features.h"
#include "agent/bpf/link_set.h"
#include "hostlens/abi/events.h"
#include "hostlens/abi/http_fast.h"

struct hl_process;
struct hl_sockets;
struct hl_data;
struct hl_tls;
struct hl_go_tls;
struct bpf_link;
struct bpf_map;

namespace hostlens::bpf {

struct ProbeConfig {
  uint32_t self_tgid = 0;
  // Untracked processes that exec are captured as PENDING until the agent
  // decides (needed when a selector matches on the executable).
  bool exec_pending = false;
  std::map<uint16_t, uint32_t> listen_ports;  // --port selectors: port -> selector index
  uint32_t ring_buffer_bytes = 8u << 20;
  uint32_t max_tracked_processes = 65536;
  uint32_t capture_bytes = 4096;  // head of each socket read/write, <= HL_CAPTURE_MAX
  bool http_fast_path = true;     // include/hostlens/abi/http_fast.h
  // Features to do without even where the kernel has them (--without-kernel-feature).
  std::set<std::string> without_features;
};

// One function of a TLS library to probe, by its offset in the file.
struct TlsProbe {
  std::string symbol;
  uint64_t file_offset = 0;
  bool write = false;  // plaintext out
  bool ex = false;     // OpenSSL's _ex form (byte count through a pointer)
  bool handshake = false;  // SSL_do_handshake, gnutls_handshake: for the socket alone
  // Go's crypto/tls (bpf/go_tls.bpf.c): return probes are uprobes at `return_offsets`, the
  // function's RET instructions, never a uretprobe (agent/tls/go_tls.h says why).
  bool go = false;
  std::vector<uint64_t> return_offsets;
};

// The uprobes of one TLS library file, for every process that maps it; detached when destroyed.
class TlsLinks {
 public:
  TlsLinks(std::shared_ptr<LinkSet> set, std::vector<Link> links)
      : set_(std::move(set)), links_(std::move(links)) {}
  ~TlsLinks();
  TlsLinks(const TlsLinks&) = delete;
  TlsLinks& operator=(const TlsLinks&) = delete;
  size_t size() const { return links_.size(); }

 private:
  std::shared_ptr<LinkSet> set_;  // which detaches them, or already did in Probes::DetachAll
  std::vector<Link> links_;
};

// How full one of the kernel's hash maps is (hostlens_bpf_map_entries).
struct MapFill {
  std::string name;
  uint64_t entries = 0;
  uint64_t max_entries = 0;
};

struct AttachedProgram {
  std::string name;     // e.g. handle_fork
  std::string section;  // e.g. raw_tp/sched_process_fork
  std::string object;   // process, sockets
};

// Owns every BPF object of the agent (RAII: destroying it detaches and frees
// all programs, links and maps). Load() runs open -> set config -> load ->
// attach; the maps shared across objects (tracked, events, counters) are
// created once by the first object and reused by the others.
class Probes {
 public:
  static std::variant<std::unique_ptr<Probes>, LoadError> Load(const ProbeConfig& config);
  ~Probes();
  Probes(const Probes&) = delete;
  Probes& operator=(const Probes&) = delete;

  int events_fd() const;
  int tracked_fd() const;

  // Tracked-set maintenance; false when the kernel refused (map full).
  bool Track(uint32_t tgid, uint32_t selector);
  void Untrack(uint32_t tgid);

  // Connection-map maintenance: stop copying a connection's payloads (not a
  // protocol we parse), or drop the entry of a process that exited (its
  // fds closed without close()).
  // `tls_too`: the TLS plaintext as well (else only the socket payloads, e.g. the ciphertext).
  void IgnoreConnection(uint32_t tgid, int32_t fd, uint64_t generation, bool tls_too = false);
  void ForgetConnection(uint32_t tgid, int32_t fd);
  // The agent's HTTP/1 parser is idle on the connection after its payload event `seq`.
  void RearmHttpFast(uint32_t tgid, int32_t fd, uint64_t generation, uint32_t seq);
  // The HTTP/1 fast path's outcomes summed over CPUs, indexed by enum hl_fast_outcome.
  std::array<uint64_t, HL_FAST_OUTCOME_MAX> ReadFastOutcomes() const;

  // Every hash and LRU map of the agent's BPF objects (each shared map once), with its entries
  // counted now: one bpf() call per entry, so a full 65,536-entry map takes tens of
  // milliseconds; read at scrape time only.
  std::vector<MapFill> ReadMapFill() const;

  // BPF-side loss counters summed over CPUs, indexed by enum hl_counter.
  std::array<uint64_t, HL_CNT_MAX> ReadCounters() const;

  const std::vector<AttachedProgram>& programs() const { return programs_; }
  const KernelFeatures& features() const { return features_; }
  // Feature -> what is used instead, for what this kernel lacks.
  const std::map<std::string, std::string>& fallbacks() const { return fallbacks_; }

  // Detaches every program (TLS uprobes included) all at once and attaches no more; the maps
  // stay until destruction. Called first thing on stop, while the rest winds down.
  void DetachAll();

  // Entry and return probes on each of `probes` in the file at `path` (as this process can open
  // it: /proc/PID/root/... for a file in another mount namespace): every entry first, so a call
  // that starts while they are attached is seen whole. Error: one line.
  std::variant<std::unique_ptr<TlsLinks>, LoadError> AttachTls(const std::string& path,
                                                              const std::vector<TlsProbe>& probes);

 private:
  Probes() = default;
  hl_process* process_ = nullptr;
  hl_sockets* sockets_ = nullptr;
  hl_data* data_ = nullptr;
  hl_tls* tls_ = nullptr;
  hl_go_tls* go_tls_ = nullptr;
  std::shared_ptr<LinkSet> links_ = std::make_shared<LinkSet>();
  bool uprobe_multi_ = false;  // TLS programs loaded for uprobe_multi links
  std::vector<AttachedProgram> programs_;
  KernelFeatures features_;
  std::map<std::string, std::string> fallbacks_;
  // The tracked_bytes map, mapped here: one byte per pid (bpf/maps.bpf.h).
  uint8_t* tracked_bytes_ = nullptr;
  size_t tracked_bytes_size_ = 0;
};

}  // namespace hostlens::bpf
