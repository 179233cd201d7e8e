// Experiment (bench only): the syscall hooks as two raw tracepoints, sys_enter and sys_exit,
// each returning at once unless the syscall is one the agent follows. Compared with floor.bpf.c
// it shows what raw tracepoints cost against per-syscall tracepoints (bench/README.md).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

// x86-64 numbers: read 0, write 1, close 3, sendfile 40, connect 42, accept 43, sendto 44,
// recvfrom 45, sendmsg 46, recvmsg 47, readv 19, writev 20, accept4 288.
static __always_inline int followed(long id) {
  switch (id) {
    case 0: case 1: case 3: case 19: case 20: case 40: case 42: case 43: case 44: case 45:
    case 46: case 47: case 288:
      return 1;
    default:
      return 0;
  }
}

volatile __u64 hits;

SEC("raw_tp/sys_enter")
int floor_raw_enter(struct bpf_raw_tracepoint_args *ctx) {
  if (followed((long)ctx->args[1])) hits++;
  return 0;
}

SEC("raw_tp/sys_exit")
int floor_raw_exit(struct bpf_raw_tracepoint_args *ctx) { return 0; }

SEC("raw_tp/sched_process_fork")
int floor_raw_fork(void *ctx) { return 0; }
SEC("raw_tp/sched_process_exec")
int floor_raw_exec(void *ctx) { return 0; }
SEC("raw_tp/sched_process_exit")
int floor_raw_exit_proc(void *ctx) { return 0; }
SEC("tp/sock/inet_sock_set_state")
int floor_raw_set_state(void *ctx) { return 0; }
