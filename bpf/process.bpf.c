// SPDX-License-Identifier: GPL-2.0
/* Process tracking: keeps the tracked set right from the kernel, so a
 * process is tracked before its first syscall after fork/exec/listen
 * returns to user space. The agent seeds the set from /proc and resolves
 * PENDING entries (exec'd programs it must match against --exe). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Untracked processes that exec are marked PENDING (the agent decides). */
const volatile bool targ_exec_pending = false;
/* Some selector is a --port: listening on a port in listen_ports tracks. */
const volatile bool targ_port_selectors = false;
const volatile __u32 targ_self_tgid = 0;

/* port (host order) -> selector index */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u16);
  __type(value, __u32);
} listen_ports SEC(".maps");

SEC("raw_tp/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child) {
  __u32 child_pid = BPF_CORE_READ(child, pid);
  __u32 child_tgid = BPF_CORE_READ(child, tgid);
  if (child_pid != child_tgid) return 0; /* a thread, not a process */

  __u32 parent_tgid = BPF_CORE_READ(parent, tgid);
  struct hl_tracked *t = lookup_tracked(parent_tgid);
  if (!t) return 0;
  struct hl_tracked inherited = *t;
  int err = track(child_tgid, &inherited);

  struct hl_proc_fork_event *ev = reserve_event(struct hl_proc_fork_event, HL_EV_PROC_FORK);
  if (!ev) return 0;
  ev->hdr.tgid = parent_tgid;
  ev->child_tgid = child_tgid;
  ev->child_tracked = err ? 0 : 1;
  ev->child_start_ns = BPF_CORE_READ(child, start_boottime);
  bpf_ringbuf_submit(ev, 0);
  return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == targ_self_tgid) return 0;

  struct hl_tracked *t = lookup_tracked(tgid);
  __u32 state;
  if (t) {
    state = t->state;
  } else {
    if (!targ_exec_pending) return 0;
    struct hl_tracked pending = {.selector = HL_NO_SELECTOR, .state = HL_TRACK_PENDING};
    if (track(tgid, &pending)) return 0;
    state = HL_TRACK_PENDING;
  }

  struct hl_proc_exec_event *ev = reserve_event(struct hl_proc_exec_event, HL_EV_PROC_EXEC);
  if (!ev) return 0;
  ev->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
  ev->tracked_state = state;
  ev->_pad = 0;
  const char *filename = BPF_CORE_READ(bprm, filename);
  if (bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), filename) < 0)
    ev->filename[0] = 0;
  /* At once, not with the next batch of data events: the agent reads the new program's TLS
   * functions while it starts, before its first TLS call. */
  bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
  return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task) {
  __u32 tgid = BPF_CORE_READ(task, tgid);
  if (!lookup_tracked(tgid)) return 0;
  /* Fires per thread; only the last one ends the process. */
  if (BPF_CORE_READ(task, signal, live.counter) != 0) return 0;

  bpf_map_delete_elem(&tracked, &tgid);
  mark_tracked(tgid, 0);
  struct hl_proc_exit_event *ev = reserve_event(struct hl_proc_exit_event, HL_EV_PROC_EXIT);
  if (!ev) return 0;
  ev->hdr.tgid = tgid;
  ev->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
  /* Same total /proc/PID/stat's utime+stime are scaled to: runtime of the
   * threads already gone plus this last one. */
  ev->cpu_ns = BPF_CORE_READ(task, signal, sum_sched_runtime) + BPF_CORE_READ(task, se.sum_exec_runtime);
  bpf_ringbuf_submit(ev, 0);
  return 0;
}

/* A socket's handshake completing, for accept wait: remembered until
 * accept() returns it (sockets.bpf.c). Fires in softirq context, so the
 * owner is not known here; the LRU map bounds what is never accepted. */
static __always_inline void remember_established(struct trace_event_raw_inet_sock_set_state *ctx) {
  __u64 key = (__u64)ctx->skaddr;
  __u64 now = bpf_ktime_get_ns();
  bpf_map_update_elem(&established_at, &key, &now, BPF_ANY);
}

/* Listening on a port of a --port selector tracks the process at once. */
static __always_inline void track_listener(struct trace_event_raw_inet_sock_set_state *ctx) {
  __u16 port = ctx->sport;
  __u32 *selector = bpf_map_lookup_elem(&listen_ports, &port);
  if (!selector) return;
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == targ_self_tgid) return;
  struct hl_tracked *t = lookup_tracked(tgid);
  if (t && t->state == HL_TRACK_ON) return;

  struct hl_tracked on = {.selector = *selector, .state = HL_TRACK_ON};
  if (track(tgid, &on)) return;
  struct hl_proc_listen_event *ev = reserve_event(struct hl_proc_listen_event, HL_EV_PROC_LISTEN);
  if (!ev) return;
  ev->selector = *selector;
  ev->port = port;
  ev->_pad = 0;
  bpf_ringbuf_submit(ev, 0);
}

SEC("tp/sock/inet_sock_set_state")
int handle_set_state(struct trace_event_raw_inet_sock_set_state *ctx) {
  if (ctx->protocol != IPPROTO_TCP) return 0;
  if (ctx->newstate == TCP_ESTABLISHED && ctx->oldstate == TCP_SYN_RECV) {
    remember_established(ctx);
  } else if (ctx->newstate == TCP_LISTEN && targ_port_selectors) {
    track_listener(ctx);
  }
  return 0;
}

/* Executable file mappings of tracked processes: the dynamic loader mapping a shared library's
 * code (at start or on dlopen) is what tells the agent to look for TLS functions in it before
 * the process gets to use them; a periodic rescan is only the backstop. */
#ifndef PROT_EXEC
#define PROT_EXEC 0x4
#endif

/* pid_tgid of a thread inside mmap(PROT_EXEC, fd) */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);
  __type(value, __u8);
} code_mmaps SEC(".maps");

SEC("tp/syscalls/sys_enter_mmap")
int handle_mmap_enter(struct trace_event_raw_sys_enter *ctx) {
  if (!(ctx->args[2] & PROT_EXEC) || (__s32)ctx->args[4] < 0) return 0;
  __u64 id = bpf_get_current_pid_tgid();
  if (!lookup_tracked(id >> 32)) return 0;
  __u8 one = 1;
  if (bpf_map_update_elem(&code_mmaps, &id, &one, BPF_ANY)) count(HL_CNT_LOST_MAP_FULL);
  return 0;
}

SEC("tp/syscalls/sys_exit_mmap")
int handle_mmap_exit(struct trace_event_raw_sys_exit *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  if (!bpf_map_lookup_elem(&code_mmaps, &id)) return 0;
  bpf_map_delete_elem(&code_mmaps, &id);
  /* Failed: a negative errno (an address never is: the top page is not mappable). */
  if (ctx->ret < 0 && ctx->ret > -4096) return 0;
  struct hl_proc_code_mapped_event *ev =
      reserve_event(struct hl_proc_code_mapped_event, HL_EV_PROC_CODE_MAPPED);
  if (!ev) return 0;
  bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
  return 0;
}
