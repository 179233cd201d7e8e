#include "agent/bpf/preflight.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace hostlens::bpf {
namespace {

constexpr int kCapDacReadSearch = 2;
constexpr int kCapSysPtrace = 19;
constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

constexpr const char* kGrantHint =
    "run as root, or grant the capabilities: setcap "
    "cap_bpf,cap_perfmon,cap_sys_admin,cap_sys_ptrace,cap_dac_read_search+ep build/hostlens "
    "(in Kubernetes: privileged: true, or those capabilities in securityContext)";

bool Has(unsigned long long caps, int cap) { return (caps >> cap) & 1ULL; }

}  // namespace

Privileges ReadPrivileges() {
  Privileges p;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      p.effective_caps = std::stoull(line.substr(7), nullptr, 16);
    }
  }
  p.btf_present = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
  return p;
}

std::optional<LoadError> CheckPrivileges(const Privileges& p) {
  const auto caps = p.effective_caps;
  const bool can_bpf = Has(caps, kCapSysAdmin) || (Has(caps, kCapBpf) && Has(caps, kCapPerfmon));
  if (!can_bpf) {
    return LoadError{std::string("missing capability CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) "
                                 "to load BPF programs: ") +
                     kGrantHint};
  }
  if (!Has(caps, kCapSysPtrace) && !Has(caps, kCapDacReadSearch)) {
    return LoadError{std::string("missing capability CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH to read "
                                 "other processes' /proc/PID/exe and fd: ") +
                     kGrantHint};
  }
  if (!p.btf_present) {
    return LoadError{
        "missing kernel BTF at /sys/kernel/btf/vmlinux: hostlens needs a kernel built with "
        "CONFIG_DEBUG_INFO_BTF=y (Debian, Ubuntu, RHEL and most cloud kernels since 5.x have it)"};
  }
  return std::nullopt;
}

LoadError DescribeBpfFailure(const std::string& step, int err) {
  const int e = err < 0 ? -err : err;
  std::string reason = std::strerror(e);
  if ((e == EACCES || e == EINVAL) && step.rfind("load BPF object", 0) == 0) {
    // Privileges were checked before loading: a program refused with EACCES is the verifier's
    // doing; EINVAL is an instruction, helper or map type this kernel does not know.
    reason += ": the kernel refused a program or map of this object (libbpf logged which, "
              "with the verifier's log, just above)";
  } else if (e == EPERM || e == EACCES) {
    reason += ": the kernel refused the bpf() syscall; " + std::string(kGrantHint) +
              ", and check kernel.unprivileged_bpf_disabled and any seccomp/LSM policy";
  } else if (e == ENOENT) {
    reason += ": a tracepoint or kernel type is missing on this kernel";
  }
  return LoadError{"failed to " + step + ": " + reason};
}

}  // namespace hostlens::bpf
