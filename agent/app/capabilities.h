#pragma once
// Least privilege once the probes are attached: the running agent keeps only the capabilities it
// still needs, in every set (effective, permitted, inheritable, ambient, bounding), so that
// nothing it runs later and no thread it starts has more.
//
// Kept: CAP_BPF and CAP_PERFMON (TLS probes attached to libraries found later through
// uprobe_multi links), CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (/proc/PID/exe, fd, maps and root
// of other users' processes), CAP_NET_BIND_SERVICE only when --listen names a port below 1024,
// and CAP_SYS_ADMIN only where TLS probes are perf-event uprobes (the uprobe_multi fallback:
// perf_event_open of a uprobe was refused with CAP_PERFMON alone on 6.18, EACCES). Dropped:
// everything else (mounting tracefs happens before).

#include <cstdint>
#include <optional>
#include <string>

namespace hostlens::app {

// Capability numbers (linux/capability.h).
inline constexpr int kCapDacReadSearch = 2;
inline constexpr int kCapNetBindService = 10;
inline constexpr int kCapSysPtrace = 19;
inline constexpr int kCapSysAdmin = 21;
inline constexpr int kCapPerfmon = 38;
inline constexpr int kCapBpf = 39;

// The set to keep, as a bit mask, for an agent listening on `listen_port` whose TLS probes are
// perf-event uprobes (`perf_event_uprobes`) or uprobe_multi links.
uint64_t CapabilitiesToKeep(uint16_t listen_port, bool perf_event_uprobes);

// Drops every capability outside `keep` from this thread's sets and the bounding set (call it
// before any other thread starts: capabilities are per thread). What is kept is what the thread
// has of `keep`. nullopt, or what failed.
std::optional<std::string> DropCapabilitiesExcept(uint64_t keep);

// Names of the capabilities in `mask`, lowest first: "cap_dac_read_search,cap_bpf".
std::string CapabilityNames(uint64_t mask);

}  // namespace hostlens::app
