#pragma once

// The BPF maps seen through the interfaces the userspace stages drive, so those stages (and
// their tests) never depend on libbpf.

#include <cstdint>

#include "agent/bpf/probes.h"
#include "agent/conn/connection_table.h"
#include "agent/targets/tracked_set.h"

namespace hostlens::app {

// The connection map, for the connection table.
class KernelConnectionMap : public conn::KernelConnections {
 public:
  explicit KernelConnectionMap(bpf::Probes& probes) : probes_(probes) {}
  void Ignore(uint32_t tgid, int32_t fd, uint64_t generation) override {
    probes_.IgnoreConnection(tgid, fd, generation);
  }
  void Forget(uint32_t tgid, int32_t fd) override { probes_.ForgetConnection(tgid, fd); }

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

}  // namespace hostlens::app
