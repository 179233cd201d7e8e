#pragma once

// The BPF maps seen through the interfaces the userspace stages drive, so those stages (and
// their tests) never depend on libbpf.

#include <cstdint>

#include "agent/bpf/probes.h"
#include "agent/conn/connection_table.h"
#include "agent/targets/tracked_set.h"
#include "agent/tls/tls_registry.h"

namespace hostlens::app {

// The connection map, for the connection table.
class KernelConnectionMap : public conn::KernelConnections {
 public:
  explicit KernelConnectionMap(bpf::Probes& probes) : probes_(probes) {}
  void Ignore(uint32_t tgid, int32_t fd, uint64_t generation) override {
    probes_.IgnoreConnection(tgid, fd, generation);
  }
  void IgnoreTls(uint32_t tgid, int32_t fd, uint64_t generation) override {
    probes_.IgnoreConnection(tgid, fd, generation, /*tls_too=*/true);
  }
  void Forget(uint32_t tgid, int32_t fd) override { probes_.ForgetConnection(tgid, fd); }
  void RearmHttpFast(uint32_t tgid, int32_t fd, uint64_t generation, uint32_t seq) override {
    probes_.RearmHttpFast(tgid, fd, generation, seq);
  }

 private:
  bpf::Probes& probes_;
};

// The tracked-process map, for the process table.
class KernelTrackedSet : public targets::TrackedSet {
 public:
  explicit KernelTrackedSet(bpf::Probes& probes) : probes_(probes) {}
  bool Track(uint32_t tgid, uint32_t selector) override { return probes_.Track(tgid, selector); }
  void Untrack(uint32_t tgid) override { probes_.Untrack(tgid); }

 private:
  bpf::Probes& probes_;
};

// The TLS programs, for the TLS registry: one set of uprobes per library file.
class KernelTlsAttacher : public tls::TlsAttacher {
 public:
  explicit KernelTlsAttacher(bpf::Probes& probes) : probes_(probes) {}
  std::variant<std::shared_ptr<void>, std::string> Attach(const std::string& path,
                                                          const tls::TlsFile& file) override {
    std::vector<bpf::TlsProbe> targets;
    for (const auto& f : file.functions) {
      targets.push_back({f.symbol, f.entry_offset ? f.entry_offset : f.where.file_offset, f.write,
                         f.ex, f.handshake, file.library == tls::TlsLibrary::kGo,
                         f.return_offsets});
    }
    auto attached = probes_.AttachTls(path, targets);
    if (auto* error = std::get_if<bpf::LoadError>(&attached)) return error->message;
    return std::shared_ptr<void>(std::move(std::get<std::unique_ptr<bpf::TlsLinks>>(attached)));
  }

 private:
  bpf::Probes& probes_;
};

}  // namespace hostlens::app
