#include "agent/bpf/features.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "agent/bpf/uprobe_multi.h"

namespace hostlens::bpf {
namespace {

// libbpf's probes answer 1 (yes), 0 (no) or a negative errno (could not tell): only a yes
// counts, so a kernel that cannot be probed gets the fallbacks.
bool Yes(int answer) { return answer == 1; }

}  // namespace

KernelFeatures ProbeKernelFeatures() {
  KernelFeatures f;
  f.ring_buffer = Yes(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr));
  f.task_storage =
      Yes(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr)) &&
      Yes(libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_task_storage_get, nullptr));
  f.current_task_btf =
      Yes(libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_get_current_task_btf, nullptr));
  f.task_pt_regs =
      Yes(libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_task_pt_regs, nullptr));
  f.uprobe_multi = KernelHasUprobeMulti();
  return f;
}

std::optional<LoadError> MissingRequiredFeature(const KernelFeatures& features) {
  if (!features.ring_buffer) {
    return LoadError{
        "missing the BPF ring buffer (BPF_MAP_TYPE_RINGBUF): hostlens needs Linux 5.8 or later"};
  }
  return std::nullopt;
}

FeatureChoice ChooseFeatures(const KernelFeatures& features,
                             const std::set<std::string>& disabled) {
  FeatureChoice choice;
  if (disabled.count("task_storage")) {
    choice.task_storage = false;
    choice.fallbacks["task_storage"] =
        "per-thread syscall state in a hash map keyed by pid_tgid (--without-kernel-feature)";
  } else if (!features.task_storage || !features.current_task_btf) {
    choice.task_storage = false;
    choice.fallbacks["task_storage"] =
        std::string("per-thread syscall state in a hash map keyed by pid_tgid (no ") +
        (features.task_storage ? "bpf_get_current_task_btf" : "task storage for tracepoints") +
        " on this kernel)";
  }
  constexpr const char* kEnterPrograms =
      "an enter and an exit program per read or write syscall, the call kept between them (";
  if (disabled.count("task_pt_regs")) {
    choice.task_pt_regs = false;
    choice.fallbacks["task_pt_regs"] = std::string(kEnterPrograms) + "--without-kernel-feature)";
  } else if (!features.task_pt_regs || !features.current_task_btf) {
    choice.task_pt_regs = false;
    choice.fallbacks["task_pt_regs"] =
        std::string(kEnterPrograms) + "no bpf_task_pt_regs on this kernel)";
  }
  constexpr const char* kPerfUprobes =
      "a perf-event uprobe per TLS function, each detached on its own (";
  if (disabled.count("uprobe_multi")) {
    choice.uprobe_multi = false;
    choice.fallbacks["uprobe_multi"] = std::string(kPerfUprobes) + "--without-kernel-feature)";
  } else if (!features.uprobe_multi) {
    choice.uprobe_multi = false;
    choice.fallbacks["uprobe_multi"] =
        std::string(kPerfUprobes) + "no uprobe_multi links on this kernel)";
  }
  return choice;
}

}  // namespace hostlens::bpf
