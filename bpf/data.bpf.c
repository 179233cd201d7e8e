// SPDX-License-Identifier: GPL-2.0
/* Socket payloads of tracked processes: for every read/write-family syscall
 * on a followed connection, the full byte count, the first bytes (up to
 * targ_capture_bytes) and the last HL_TAIL_LEN bytes. The exit program
 * decides whether the call matters, from the arguments in the task's saved
 * registers (targ_exit_args), or from what the enter program kept on older
 * kernels, and copies what was transferred. */
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
/* The HTTP/1 fast path (include/hostlens/abi/http_fast.h); off with --no-http-fast-path. */
const volatile bool targ_http_fast = true;
/* The exit programs read the syscall's arguments from the task's saved registers
 * (bpf_task_pt_regs, Linux 5.15): the enter programs are then not loaded, and every read and
 * write costs one program instead of two, tracked or not. Else (set by the loader from its
 * feature probes) the enter programs keep the call in io_calls for the exit program. */
const volatile bool targ_exit_args = false;

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
  __u8 fast; /* a connection the HTTP/1 fast path looks at: not a client's, not TLS */
  __u8 _pad[3];
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

/* A request the fast path is about to keep, built here (the stack is too small for its path). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct hl_http_pending);
} pending_scratch SEC(".maps");

/* fast_read_head, the one program of the fast path's tail calls. */
int fast_read_head(void *ctx);
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __array(values, int(void *));
} fast_progs SEC(".maps") = {
    .values = {[0] = (void *)&fast_read_head},
};

/* The fast-path decision's running state (struct hl_fast_scan says why it lives in a map). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct hl_fast_scan);
} fast_scan SEC(".maps");

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

/* Whether a call of a tracked process on `fd` matters, and what the exit program needs of it in
 * *call. Also where a TLS library's read or write learns its socket. */
static __always_inline bool begin_call(__u64 id, int fd, __u64 buf, __u32 iovcnt,
                                       enum hl_syscall syscall, enum hl_direction direction,
                                       struct io_call *call) {
  __u32 tgid = id >> 32;
  struct hl_conn_info *info = conn_for(tgid, fd);
  if (!info) return false;
  /* Only a socket's syscalls pay for this lookup, not every file read. */
  struct hl_tls_call *tls = bpf_map_lookup_elem(&tls_calls, &id);
  if (tls) {
    /* Inside SSL_read/SSL_write: this is the call's ciphertext, and its socket. */
    if (tls->fd < 0) tls->fd = fd;
    return false;
  }
  if (info->ignored || info->tls) return false;
  call->buf = buf;
  call->generation = info->generation;
  call->fd = fd;
  call->iovcnt = iovcnt;
  call->syscall = syscall;
  call->direction = direction;
  call->role = info->role;
  call->active = 1;
  call->fast = targ_http_fast && info->role != HL_ROLE_CLIENT;
  return true;
}

static __always_inline int enter(int fd, __u64 buf, __u32 iovcnt, enum hl_syscall syscall,
                                 enum hl_direction direction) {
  __u64 id = bpf_get_current_pid_tgid();
  if (!lookup_tracked(id >> 32)) return 0;
  struct io_call call = {};
  if (!begin_call(id, fd, buf, iovcnt, syscall, direction, &call)) return 0;
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

/* `first`: the call's first iovec, already read (vectored calls). */
static __always_inline void copy_tail(struct hl_data_event *ev, const struct io_call *call,
                                      const struct iovec *first, __u64 length, __u32 head) {
  __u64 tail = length - head;
  if (tail > HL_TAIL_LEN) tail = HL_TAIL_LEN;
  if (tail == 0 || !call->buf) return; /* no buffer: sendfile's, or its iovec unreadable */
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
      if (i == 0) {
        v = *first;
      } else if (bpf_probe_read_user(&v, sizeof(v), &iov[i])) {
        return;
      }
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

static __always_inline void count_fast(int outcome) {
  __u32 key = outcome;
  __u64 *value = bpf_map_lookup_elem(&fast_outcomes, &key);
  if (value) *value += 1;
}

/* One compact record: the kept request `p`, and for HL_EV_HTTP_EXCHANGE its response. */
static __always_inline void emit_fast(__u32 kind, const struct hl_http_pending *p, int fd,
                                      __u16 status, __u64 response_bytes) {
  struct hl_http_fast_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
  if (!ev) {
    count(HL_CNT_LOST_RINGBUF);
    return;
  }
  __u64 id = bpf_get_current_pid_tgid();
  ev->hdr.kind = kind;
  ev->hdr.tgid = id >> 32;
  ev->hdr.tid = (__u32)id;
  ev->hdr._pad = 0;
  ev->hdr.ts_ns = bpf_ktime_get_ns();
  ev->generation = p->generation;
  ev->request_ts_ns = p->ts_ns;
  ev->request_bytes = p->bytes;
  ev->response_bytes = response_bytes;
  ev->fd = fd;
  ev->method = p->method;
  ev->minor_version = p->minor_version;
  ev->status = status;
  ev->path_len = p->path_len;
  ev->_pad = 0;
  ev->_pad2 = 0;
  __builtin_memcpy(ev->path, p->path, sizeof(ev->path));
  bpf_ringbuf_submit(ev, data_wakeup_flags());
}

/* Whether the agent re-armed the connection since its last payload event: 1 yes, 0 no request,
 * -1 a request older than the last payload event. The entry is taken either way. */
static __always_inline int rearmed(const struct hl_conn_key *key, const struct hl_conn_info *info) {
  struct hl_http_rearm *r = bpf_map_lookup_elem(&http_rearm, key);
  if (!r) return 0;
  int ok = r->generation == info->generation && (__u16)r->seq == info->seq ? 1 : -1;
  bpf_map_delete_elem(&http_rearm, key);
  return ok;
}

/* A payload goes out on a connection the fast path looks at: numbered, and the connection is no
 * longer known to be at a message boundary (until the agent re-arms it). */
static __always_inline void payload_out(struct hl_conn_info *info, struct hl_data_event *ev) {
  info->fast = HL_FAST_UNARMED;
  info->seq++;
  ev->conn_seq = info->seq;
}

enum { FAST_PAYLOAD, FAST_CONSUMED, FAST_READ_HEAD, FAST_LENGTH_ONLY };

/* The HTTP/1 fast path on a server connection (include/hostlens/abi/http_fast.h), before its
 * head is read: whether the payload goes out, or the head is to be read (FAST_READ_HEAD, *scan
 * begun). */
static __always_inline int fast_before(__u64 id, const struct io_call *call,
                                       struct hl_data_event *ev, __u8 direction,
                                       struct hl_fast_scan *scan) {
  struct hl_conn_key key = {.tgid = id >> 32, .fd = call->fd};
  struct hl_conn_info *info = bpf_map_lookup_elem(&conns, &key);
  if (!info || info->generation != call->generation) return FAST_PAYLOAD;
  if (info->fast == HL_FAST_DRAINING) {
    /* The rest of a response whose head went out: known by length, a boundary at its end. */
    struct hl_http_pending *p = bpf_map_lookup_elem(&http_pending, &key);
    if (direction == HL_DIR_EGRESS && p && p->generation == info->generation &&
        ev->length <= p->remaining) {
      p->remaining -= ev->length;
      bool done = p->remaining == 0;
      if (done) bpf_map_delete_elem(&http_pending, &key);
      payload_out(info, ev);
      info->fast = done ? HL_FAST_ARMED : HL_FAST_DRAINING;
      if (done) ev->conn_seq |= HL_CONN_SEQ_ARMED; /* the agent need not re-arm it */
      return FAST_LENGTH_ONLY;
    }
    /* A request before the response ended, or a write past its end. */
    bpf_map_delete_elem(&http_pending, &key);
    if (direction == HL_DIR_INGRESS) count_fast(HL_FAST_PIPELINED);
  } else if (direction == HL_DIR_INGRESS) {
    if (info->fast == HL_FAST_PENDING) {
      /* The next request before the kept one's response: pipelining. */
      struct hl_http_pending *p = bpf_map_lookup_elem(&http_pending, &key);
      if (p && p->generation == info->generation)
        emit_fast(HL_EV_HTTP_REQUEST, p, call->fd, 0, 0);
      bpf_map_delete_elem(&http_pending, &key);
      count_fast(HL_FAST_PIPELINED);
    } else {
      int armed = info->fast == HL_FAST_ARMED ? 1 : rearmed(&key, info);
      if (armed < 0) count_fast(HL_FAST_NOT_ARMED);
      if (armed > 0) {
        hl_fast_begin(scan, 1, 0);
        return FAST_READ_HEAD;
      }
    }
  } else if (info->fast == HL_FAST_PENDING) {
    struct hl_http_pending *p = bpf_map_lookup_elem(&http_pending, &key);
    if (p && p->generation == info->generation) {
      if (call->syscall != HL_SYS_SENDFILE) {
        hl_fast_begin(scan, 0, p->method);
        return FAST_READ_HEAD;
      }
      emit_fast(HL_EV_HTTP_REQUEST, p, call->fd, 0, 0);
      count_fast(HL_FAST_RESP_PIECES);
    }
    bpf_map_delete_elem(&http_pending, &key);
  }
  payload_out(info, ev);
  return FAST_PAYLOAD;
}

/* After the head was read with `outcome`: keeps the request, or sends the exchange's compact
 * record, or hands the kept request back before the payload. */
static __always_inline int fast_after(struct hl_data_event *ev, struct hl_fast_scan *scan,
                                      int outcome) {
  __u32 zero = 0;
  struct hl_conn_key key = {.tgid = ev->hdr.tgid, .fd = ev->fd};
  struct hl_conn_info *info = bpf_map_lookup_elem(&conns, &key);
  if (!info || info->generation != ev->generation) return FAST_PAYLOAD;
  if (ev->direction == HL_DIR_INGRESS) {
    /* The connection's entry is written in place from one request to the next: the hash is
     * updated once per connection, not once per exchange. */
    struct hl_http_pending *p = bpf_map_lookup_elem(&http_pending, &key);
    bool fresh = !p;
    if (fresh) p = bpf_map_lookup_elem(&pending_scratch, &zero);
    if (!p) return FAST_PAYLOAD;
    __u32 path_len = scan->path_len;
    if (path_len > HL_FAST_PATH_MAX) path_len = HL_FAST_PATH_MAX;
    if (outcome == HL_FAST_COMPACT &&
        bpf_probe_read_kernel(p->path, path_len, &ev->data[scan->path_off & (HL_FAST_HEAD_MAX - 1)]))
      outcome = HL_FAST_REQ_TARGET;
    if (outcome == HL_FAST_COMPACT) {
      p->generation = info->generation;
      p->ts_ns = ev->hdr.ts_ns;
      p->bytes = ev->length;
      p->method = scan->method;
      p->minor_version = scan->minor;
      p->path_len = path_len;
      p->_pad = 0;
      p->remaining = 0;
      if (!fresh || bpf_map_update_elem(&http_pending, &key, p, BPF_ANY) == 0) {
        info->fast = HL_FAST_PENDING;
        return FAST_CONSUMED;
      }
      outcome = HL_FAST_NO_ROOM;
    }
    count_fast(outcome);
  } else if (info->fast == HL_FAST_PENDING) {
    struct hl_http_pending *p = bpf_map_lookup_elem(&http_pending, &key);
    if (p && p->generation == info->generation) {
      if (outcome == HL_FAST_COMPACT) {
        emit_fast(HL_EV_HTTP_EXCHANGE, p, ev->fd, scan->status, ev->length);
        /* The entry stays, for the connection's next request (it is not read unless the
         * connection is HL_FAST_PENDING or HL_FAST_DRAINING again). */
        info->fast = HL_FAST_ARMED;
        count_fast(HL_FAST_COMPACT);
        return FAST_CONSUMED;
      }
      emit_fast(HL_EV_HTTP_REQUEST, p, ev->fd, 0, 0);
      count_fast(outcome);
      if (outcome == HL_FAST_RESP_PIECES && scan->head_len) {
        /* The head went out whole, the body follows in later writes: followed to its end. */
        p->remaining = scan->head_len + scan->cl - ev->length;
        payload_out(info, ev);
        info->fast = HL_FAST_DRAINING;
        return FAST_PAYLOAD;
      }
    }
    bpf_map_delete_elem(&http_pending, &key);
  }
  payload_out(info, ev);
  return FAST_PAYLOAD;
}

/* Reads the head in the scratch event HL_FAST_STEP_BYTES at a time, one tail call per step (the
 * verifier walks one step's loop, once), then finishes the exit program's work: the payload or
 * the fast path's record. Not attached: reached from the exit programs through fast_progs. */
SEC("tp")
int fast_read_head(void *ctx) {
  __u32 zero = 0;
  struct hl_data_event *ev = bpf_map_lookup_elem(&scratch, &zero);
  struct hl_fast_scan *scan = bpf_map_lookup_elem(&fast_scan, &zero);
  if (!ev || !scan) return 0;
  int outcome = hl_fast_step(ev->data, ev->head_len, ev->length, scan);
  if (outcome == HL_FAST_MORE) {
    bpf_tail_call(ctx, &fast_progs, 0);
    /* Only past the kernel's limit on chained tail calls, which a head of HL_FAST_HEAD_MAX does
     * not reach. */
    outcome = scan->request ? HL_FAST_REQ_TOO_LONG : HL_FAST_RESP_TOO_LONG;
  }
  if (fast_after(ev, scan, outcome) == FAST_PAYLOAD) submit_data(ev);
  return 0;
}

/* The call an exit program is for, from the task's saved registers: the syscall's first three
 * arguments are still there when it returns (x86-64 and arm64 keep them in pt_regs). */
static __always_inline bool call_from_regs(__u64 id, enum hl_syscall syscall,
                                           enum hl_direction direction, struct io_call *call) {
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
  if (!regs) return false;
  int fd = (int)PT_REGS_PARM1_SYSCALL(regs);
  __u64 buf = PT_REGS_PARM2_SYSCALL(regs);
  __u32 iovcnt = 0;
  if (syscall == HL_SYS_READV || syscall == HL_SYS_WRITEV) {
    iovcnt = (__u32)PT_REGS_PARM3_SYSCALL(regs);
  } else if (syscall == HL_SYS_RECVMSG || syscall == HL_SYS_SENDMSG) {
    struct user_msghdr msg = {};
    if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)buf)) return false;
    buf = (__u64)msg.msg_iov;
    iovcnt = (__u32)msg.msg_iovlen;
  } else if (syscall == HL_SYS_SENDFILE) {
    buf = 0;
  }
  return begin_call(id, fd, buf, iovcnt, syscall, direction, call);
}

/* `direction`: the syscall's, a constant, so that each exit program holds only the decision of
 * its direction (the verifier walks each decision's loop once per program). */
static __always_inline int exit_(void *ctx, long ret, enum hl_syscall syscall, __u8 direction) {
  __u64 id = bpf_get_current_pid_tgid();
  struct io_call call = {}; /* 5.10's verifier refuses reads of uninitialized stack */
  if (targ_exit_args) {
    if (!lookup_tracked(id >> 32)) return 0;
    /* A failed call still tells a TLS library's read or write its socket, as the enter program
     * did. */
    if (!call_from_regs(id, syscall, direction, &call)) return 0;
  } else if (!take_call(id, &call)) {
    return 0;
  }
  if (ret <= 0) return 0;

  __u32 zero = 0;
  struct hl_data_event *ev = bpf_map_lookup_elem(&scratch, &zero);
  if (!ev) return 0;
  fill_data_header(ev, id, call.generation, ret, call.fd, call.direction, call.role, call.syscall);

  /* The fast path decides first: what it will do with the bytes says whether to copy them. */
  int next = FAST_PAYLOAD;
  struct hl_fast_scan *scan = 0;
  if (targ_http_fast && call.fast && call.direction == direction) {
    scan = bpf_map_lookup_elem(&fast_scan, &zero);
    if (scan) next = fast_before(id, &call, ev, direction, scan);
  }
  if (next == FAST_LENGTH_ONLY) {
    submit_data(ev);
    return 0;
  }

  __u64 head = ret;
  if (head > targ_capture_bytes) head = targ_capture_bytes;
  const void *src = (const void *)call.buf;
  struct iovec first = {};
  if (call.syscall == HL_SYS_SENDFILE) {
    head = 0; /* from a file, not from memory: known by length only */
  } else if (call.iovcnt > 0) {
    if (bpf_probe_read_user(&first, sizeof(first), (const void *)call.buf)) {
      head = 0;
      call.iovcnt = 0;
      call.buf = 0; /* no tail either: where it is is not known */
    }
    if (head > first.iov_len) head = first.iov_len;
    src = first.iov_base;
  }
  if (head > HL_CAPTURE_MAX) head = HL_CAPTURE_MAX;
  if (head > 0 && bpf_probe_read_user(ev->data, head, src) != 0) head = 0;
  ev->head_len = head;
  copy_tail(ev, &call, &first, ret, head);

  if (next == FAST_READ_HEAD && scan) {
    /* fast_read_head takes the scratch event (its direction is the call's) and the scan. */
    bpf_tail_call(ctx, &fast_progs, 0);
    /* Not reached unless fast_progs is empty: the head is not read, the payload goes out. */
    if (fast_after(ev, scan, HL_FAST_NO_ROOM) == FAST_CONSUMED) return 0;
  }
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
  int handle_##name##_exit(struct trace_event_raw_sys_exit *ctx) {    \
    return exit_(ctx, ctx->ret, syscall, direction);                   \
  }

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
