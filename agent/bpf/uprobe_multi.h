#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hostlens::bpf {

// uprobe_multi links (Linux 6.6): one link attaches a program at many offsets of one file, and
// detaching it waits for one RCU grace period instead of one per perf-event uprobe under the
// kernel's event mutex. libbpf 1.1 (Debian 12) predates them, so the two calls are made
// directly; the attach type and bpf_attr layout are the kernel's UAPI.
inline constexpr uint32_t kAttachTypeUprobeMulti = 48;  // BPF_TRACE_UPROBE_MULTI

// Whether this kernel creates uprobe_multi links (a tiny program attached at "/" must be
// refused with EBADF, as libbpf's own probe does).
bool KernelHasUprobeMulti();

// A link attaching the program `prog_fd` (loaded with kAttachTypeUprobeMulti) at `offsets` of
// the file `path`, as return probes when `ret`. The link's fd, or -errno.
int AttachUprobeMulti(int prog_fd, const std::string& path, const std::vector<uint64_t>& offsets,
                      bool ret);

}  // namespace hostlens::bpf
