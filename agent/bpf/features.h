#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "agent/bpf/error.h"

namespace hostlens::bpf {

// What the running kernel's BPF offers, found by probes at start (each one loads a tiny
// program or creates a tiny map and looks at the verifier's answer; no version numbers).
struct KernelFeatures {
  // BPF_MAP_TYPE_RINGBUF (Linux 5.8): every event goes through one, so it is required.
  bool ring_buffer = false;
  // BPF_MAP_TYPE_TASK_STORAGE with bpf_task_storage_get() in tracepoint programs (5.12; the
  // map type alone is 5.11, for LSM programs only).
  bool task_storage = false;
  // bpf_get_current_task_btf() (5.11): the task storage key.
  bool current_task_btf = false;
  // bpf_task_pt_regs() in tracepoint programs (5.15): a syscall's exit program reads its
  // arguments from the task's saved registers, so no enter program is needed.
  bool task_pt_regs = false;
  // uprobe_multi links (6.6): a TLS library's probes detach in one grace period, not one each.
  bool uprobe_multi = false;
};

KernelFeatures ProbeKernelFeatures();

// What the agent's BPF will use instead of what this kernel lacks, or of what `disabled` names
// (config::ParseKernelFeature's names):
// feature -> the fallback, in words for /api/v1/status and the log. Empty when the kernel has
// everything.
struct FeatureChoice {
  bool task_storage = true;  // per-thread syscall state in task storage, else a hash map
  bool uprobe_multi = true;  // one link per TLS program and library, else one per function
  bool task_pt_regs = true;  // read and write syscalls: one exit program, else enter and exit
  std::map<std::string, std::string> fallbacks;
};

// The error when a required feature is missing, else the choices.
std::optional<LoadError> MissingRequiredFeature(const KernelFeatures& features);
FeatureChoice ChooseFeatures(const KernelFeatures& features, const std::set<std::string>& disabled);

}  // namespace hostlens::bpf
