#pragma once

#include <cstdint>

namespace hostlens::targets {

// The kernel's set of tracked processes, as the process table drives it.
// The BPF implementation is bpf::Probes; tests use a map.
class TrackedSet {
 public:
  virtual ~TrackedSet() = default;
  // False when the kernel refused (map full): the caller counts it.
  virtual bool Track(uint32_t tgid, uint32_t selector) = 0;
  virtual void Untrack(uint32_t tgid) = 0;
};

}  // namespace hostlens::targets
