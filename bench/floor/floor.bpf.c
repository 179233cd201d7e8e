// The floor of the overhead benchmark: every hook the agent attaches (same sections, same
// attach types: raw_tp for the scheduler, tp for sock and syscalls), each program empty. What
// nginx loses with these attached is the price of the hooks themselves, before any work the
// agent's programs do (map lookups, copies, ring buffer). Keep the list in step with bpf/*.bpf.c.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(section, name) \
  SEC(section)               \
  int name(void *ctx) { return 0; }

// bpf/process.bpf.c
EMPTY("raw_tp/sched_process_fork", floor_fork)
EMPTY("raw_tp/sched_process_exec", floor_exec)
EMPTY("raw_tp/sched_process_exit", floor_exit)
EMPTY("tp/sock/inet_sock_set_state", floor_set_state)

// bpf/sockets.bpf.c
EMPTY("tp/syscalls/sys_exit_accept", floor_accept_exit)
EMPTY("tp/syscalls/sys_exit_accept4", floor_accept4_exit)
EMPTY("tp/syscalls/sys_enter_connect", floor_connect_enter)
EMPTY("tp/syscalls/sys_exit_connect", floor_connect_exit)
EMPTY("tp/syscalls/sys_enter_close", floor_close_enter)

// bpf/data.bpf.c: enter and exit of each socket read/write syscall (hook_floor leaves the enter
// hooks out where the agent does: kernels with bpf_task_pt_regs)
#define IO(name)                                              \
  EMPTY("tp/syscalls/sys_enter_" #name, floor_##name##_enter) \
  EMPTY("tp/syscalls/sys_exit_" #name, floor_##name##_exit)
IO(read)
IO(write)
IO(recvfrom)
IO(sendto)
IO(readv)
IO(writev)
IO(recvmsg)
IO(sendmsg)
IO(sendfile64)
