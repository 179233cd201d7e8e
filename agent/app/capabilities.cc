#include "agent/app/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace hostlens::app {
namespace {

uint64_t Bit(int cap) { return uint64_t{1} << cap; }

int LastCap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = 40;
  in >> last;
  return last > 0 && last < 64 ? last : 40;
}

}  // namespace

uint64_t CapabilitiesToKeep(uint16_t listen_port, bool perf_event_uprobes) {
  uint64_t keep = Bit(kCapBpf) | Bit(kCapPerfmon) | Bit(kCapSysPtrace) | Bit(kCapDacReadSearch);
  if (listen_port != 0 && listen_port < 1024) keep |= Bit(kCapNetBindService);
  if (perf_event_uprobes) keep |= Bit(kCapSysAdmin);
  return keep;
}

std::optional<std::string> DropCapabilitiesExcept(uint64_t keep) {
  // The bounding set first: dropping from it takes CAP_SETPCAP, itself dropped below. Without
  // CAP_SETPCAP (file capabilities, a container) the bounding set stays as it is: no later
  // execve happens anyway.
  for (int cap = 0; cap <= LastCap(); ++cap) {
    if (keep & Bit(cap)) continue;
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
        prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM && errno != EINVAL) {
      return "dropping capability " + std::to_string(cap) + " from the bounding set: " +
             std::strerror(errno);
    }
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);  // EINVAL before 4.3: none to clear

  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) {
    return std::string("reading capabilities: ") + std::strerror(errno);
  }
  const uint64_t permitted =
      (uint64_t{data[1].permitted} << 32 | data[0].permitted) & keep;
  const uint64_t effective =
      (uint64_t{data[1].effective} << 32 | data[0].effective) & permitted;
  for (int i = 0; i < 2; ++i) {
    data[i].permitted = static_cast<uint32_t>(permitted >> (32 * i));
    data[i].effective = static_cast<uint32_t>(effective >> (32 * i));
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) {
    return std::string("dropping capabilities: ") + std::strerror(errno);
  }
  return std::nullopt;
}

std::string CapabilityNames(uint64_t mask) {
  static const char* const kNames[] = {
      "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
      "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
      "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock",
      "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
      "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource",
      "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write",
      "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
      "cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
      "cap_checkpoint_restore"};
  std::string names;
  for (int cap = 0; cap < 64; ++cap) {
    if (!(mask & Bit(cap))) continue;
    if (!names.empty()) names += ',';
    names += cap < static_cast<int>(std::size(kNames)) ? kNames[cap] : "cap_" + std::to_string(cap);
  }
  return names;
}

}  // namespace hostlens::app
