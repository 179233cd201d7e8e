// SPDX-License-Identifier: GPL-2.0
/* Socket payloads of tracked processes: for every read/write-family syscall
 * on a followed connection, the full byte count, the first bytes (up to
 * targ_capture_bytes) and the last HL_TAIL_LEN bytes. The enter probe
 * decides whether the call matters and remembers its buffer; the exit
 * probe copies what was transferred. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "conn.bpf.h"
#include "emit.bpf.h"
#include "maps.bpf.h"
#include "sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 targ_capture_bytes = 4096;
/* Per-thread call state in task storage (Linux 5.12: the map type with
 * bpf_task_storage_get() from tracepoints, and bpf_get_current_task_btf()),
 * else in io_calls_by_thread. Set by the loader from its feature probes
 * (agent/bpf/features.h); the verifier drops the branch not taken, and the
 * loader does not create the map of the other one. */
const volatile bool targ_task_storage = true;

#define MAX_TAIL_IOVECS 8

/* What the enter probe saw, for the exit probe of the same thread. */
struct io_call {
  __u64 buf;  /* plain buffer, or struct iovec * for vectored calls */
  __u64 generation;
  __s32 fd;
  __u32 iovcnt; /* 0: buf is a plain buffer */
  __u8 syscall;
  __u8 direction;
  __u8 role;
  __u8 active;
  __u8 _pad[4];
};

/* One slot per thread, in the task itself: cheaper than a hash map keyed by
 * pid_tgid, and freed with the thread. `active` marks a call in flight. */
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct io_call);
} io_calls SEC(".maps");

/* The same slots where there is no task storage: keyed by pid_tgid, the entry
 * deleted at exit. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct io_call);
} io_calls_by_thread SEC(".maps");

/* The event is built here, then copied to the ring buffer at its real size. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct hl_data_event);
} scratch SEC(".maps");

/* The connection behind (tgid, fd), following it now if it is a socket
 * older than the agent. Null for fds that are not followed sockets; the
 * caller checks whether its payloads are still wanted. */
static __always_inline struct hl_conn_info *conn_for(__u32 tgid, int fd) {
  struct hl_conn_key key = {.tgid = tgid, .fd = fd};
  struct hl_conn_info *info = bpf_map_lookup_elem(&conns, &key);
  if (!info) {
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    __u64 started = BPF_CORE_READ(task, group_leader, start_boottime);
    __u64 *skipped = bpf_map_lookup_elem(&skipped_fds, &key);
    if (skipped && *skipped == started) return 0;
    struct sock *sk = fd_to_sock(fd);
    if (!sk || !followed_socket(sk)) {
      bpf_map_update_elem(&skipped_fds, &key, &started, BPF_ANY);
      return 0;
    }
    open_conn(tgid, fd, sk, HL_ROLE_UNKNOWN, 0);
    info = bpf_map_lookup_elem(&conns, &key);
  }
  return info;
}

static __always_inline __u64 msg_iov(__u64 msghdr) {
  struct user_msghdr msg = {};
  if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)msghdr)) return 0;
  return (__u64)msg.msg_iov;
}

static __always_inline __u32 msg_iovlen(__u64 msghdr) {
  struct user_msghdr msg = {};
  if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)msghdr)) return 0;
  return (__u32)msg.msg_iovlen;
}

static __always_inline int enter(int fd, __u64 buf, __u32 iovcnt, enum hl_syscall syscall,
                                 enum hl_direction direction) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 tgid = id >> 32;
  if (!lookup_tracked(tgid)) return 0;
  struct hl_conn_info *info = conn_for(tgid, fd);
  if (!info) return 0;
  /* Only a socket's syscalls pay for this lookup, not every file read. */
  struct hl_tls_call *tls = bpf_map_lookup_elem(&tls_calls, &id);
  if (tls) {
    /* Inside SSL_read/SSL_write: this is the call's ciphertext, and its socket. */
    if (tls->fd < 0) tls->fd = fd;
    return 0;
  }
  if (info->ignored || info->tls) return 0;
  struct io_call call = {};
  call.buf = buf;
  call.generation = info->generation;
  call.fd = fd;
  call.iovcnt = iovcnt;
  call.syscall = syscall;
  call.direction = direction;
  call.role = info->role;
  call.active = 1;
  if (!targ_task_storage) {
    if (bpf_map_update_elem(&io_calls_by_thread, &id, &call, BPF_ANY)) count(HL_CNT_LOST_MAP_FULL);
    return 0;
  }
  struct io_call *slot = bpf_task_storage_get(&io_calls, bpf_get_current_task_btf(), 0,
                                              BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!slot) {
    count(HL_CNT_LOST_MAP_FULL);
    return 0;
  }
  *slot = call;
  return 0;
}

/* The call the enter probe of this thread left, taken (the slot is free
 * again); false if there is none. */
static __always_inline bool take_call(__u64 id, struct io_call *call) {
  if (!targ_task_storage) {
    struct io_call *found = bpf_map_lookup_elem(&io_calls_by_thread, &id);
    if (!found) return false;
    *call = *found;
    bpf_map_delete_elem(&io_calls_by_thread, &id);
    return true;
  }
  struct io_call *found = bpf_task_storage_get(&io_calls, bpf_get_current_task_btf(), 0, 0);
  if (!found || !found->active) return false;
  *call = *found;
  found->active = 0;
  return true;
}

static __always_inline void copy_tail(struct hl_data_event *ev, const struct io_call *call,
                                      __u64 length, __u32 head) {
  __u64 tail = length - head;
  if (tail > HL_TAIL_LEN) tail = HL_TAIL_LEN;
  if (tail == 0) return;
  const void *src = 0;
  if (call->iovcnt == 0) {
    src = (const void *)(call->buf + length - tail);
  } else {
    /* The last transferred byte is in the iovec where the running sum
     * reaches length; the tail must lie within that one iovec. */
    const struct iovec *iov = (const struct iovec *)call->buf;
    __u64 seen = 0;
    for (int i = 0; i < MAX_TAIL_IOVECS; i++) {
      if (i >= call->iovcnt) return;
      struct iovec v = {};
      if (bpf_probe_read_user(&v, sizeof(v), &iov[i])) return;
      if (seen + v.iov_len >= length) {
        __u64 end = length - seen;
        if (end < tail) return;
        src = (const char *)v.iov_base + end - tail;
        break;
      }
      seen += v.iov_len;
    }
    if (!src) return;
  }
  if (head > HL_CAPTURE_MAX) return;
  if (bpf_probe_read_user(&ev->data[head], tail & (HL_TAIL_LEN * 2 - 1), src) == 0)
    ev->tail_len = tail;
}

static __always_inline int exit_(long ret) {
  __u64 id = bpf_get_current_pid_tgid();
  struct io_call call = {}; /* 5.10's verifier refuses reads of uninitialized stack */
  if (!take_call(id, &call)) return 0;
  if (ret <= 0) return 0;

  __u32 zero = 0;
  struct hl_data_event *ev = bpf_map_lookup_elem(&scratch, &zero);
  if (!ev) return 0;
  fill_data_header(ev, id, call.generation, ret, call.fd, call.direction, call.role, call.syscall);

  __u64 head = ret;
  if (head > targ_capture_bytes) head = targ_capture_bytes;
  const void *src = (const void *)call.buf;
  if (call.syscall == HL_SYS_SENDFILE) {
    head = 0; /* from a file, not from memory: known by length only */
  } else if (call.iovcnt > 0) {
    struct iovec first = {};
    if (bpf_probe_read_user(&first, sizeof(first), (const void *)call.buf)) head = 0;
    if (head > first.iov_len) head = first.iov_len;
    src = first.iov_base;
  }
  if (head > HL_CAPTURE_MAX) head = HL_CAPTURE_MAX;
  if (head > 0 && bpf_probe_read_user(ev->data, head, src) != 0) head = 0;
  ev->head_len = head;
  copy_tail(ev, &call, ret, head);

  submit_data(ev);
  return 0;
}

/* read/write-family tracepoints: args[0] is the fd everywhere. */
#define ENTER(name, syscall, direction, buf_expr, iovcnt_expr)        \
  SEC("tp/syscalls/sys_enter_" #name)                                \
  int handle_##name##_enter(struct trace_event_raw_sys_enter *ctx) { \
    return enter((int)ctx->args[0], buf_expr, iovcnt_expr, syscall, direction); \
  }                                                                  \
  SEC("tp/syscalls/sys_exit_" #name)                                 \
  int handle_##name##_exit(struct trace_event_raw_sys_exit *ctx) { return exit_(ctx->ret); }

ENTER(read, HL_SYS_READ, HL_DIR_INGRESS, ctx->args[1], 0)
ENTER(write, HL_SYS_WRITE, HL_DIR_EGRESS, ctx->args[1], 0)
ENTER(recvfrom, HL_SYS_RECVFROM, HL_DIR_INGRESS, ctx->args[1], 0)
ENTER(sendto, HL_SYS_SENDTO, HL_DIR_EGRESS, ctx->args[1], 0)
ENTER(readv, HL_SYS_READV, HL_DIR_INGRESS, ctx->args[1], (__u32)ctx->args[2])
ENTER(writev, HL_SYS_WRITEV, HL_DIR_EGRESS, ctx->args[1], (__u32)ctx->args[2])
ENTER(recvmsg, HL_SYS_RECVMSG, HL_DIR_INGRESS, msg_iov(ctx->args[1]), msg_iovlen(ctx->args[1]))
ENTER(sendmsg, HL_SYS_SENDMSG, HL_DIR_EGRESS, msg_iov(ctx->args[1]), msg_iovlen(ctx->args[1]))
/* sendfile64(out_fd, in_fd, offset, count): the socket is out_fd. */
ENTER(sendfile64, HL_SYS_SENDFILE, HL_DIR_EGRESS, 0, 0)
