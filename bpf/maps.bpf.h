/* Maps shared by every hostlens BPF object. Each object declares them; the
 * loader creates them once (with the first object) and makes the others
 * reuse the same fds, so there is one tracked set and one ring buffer. */
#ifndef HOSTLENS_BPF_MAPS_H
#define HOSTLENS_BPF_MAPS_H

#include "hostlens/abi/events.h"
#include "hostlens/abi/http_fast.h"

/* tgid -> hl_tracked; maintained by the kernel's fork/exec rules and by the
 * agent from its selectors. max_entries is set by the loader. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u32);
  __type(value, struct hl_tracked);
} tracked SEC(".maps");

/* One byte per pid, 1 while `tracked` has an entry for it: checked first, so that a process that
 * is not a target leaves each program after an array access the verifier inlines, without a hash
 * lookup. 64 pids per element; the loader sizes it to pid_max. Written with `tracked`: by track()
 * and the exit handler here, by the agent through mmap (one byte store, never a whole element). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 65536); /* pid_max 4194304 */
  __type(key, __u32);
  __type(value, struct hl_tracked_bytes);
} tracked_bytes SEC(".maps");

/* Ring buffer of hl_event_header-prefixed records; size set by the loader. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps");

/* Loss counters, summed over CPUs by the agent at scrape time. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, HL_CNT_MAX);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

/* (tgid, fd) -> a followed connection: its generation and role. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 262144);
  __type(key, struct hl_conn_key);
  __type(value, struct hl_conn_info);
} conns SEC(".maps");

/* (tgid, fd) of fds that are not followed sockets (files, pipes, UDP...):
 * skipped until closed. Kept apart from conns so that file churn never
 * evicts a connection. The value is the process's start time, so an entry
 * left by an exited process never applies to one that reuses its pid. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct hl_conn_key);
  __type(value, __u64);
} skipped_fds SEC(".maps");

/* Source of connection generations, shared by every object: one counter per
 * CPU (see next_generation). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} generation SEC(".maps");

/* struct sock * -> when its handshake completed (for accept wait). */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, __u64);
  __type(value, __u64);
} established_at SEC(".maps");

/* A TLS library call in flight on a thread of a tracked process (bpf/tls.bpf.c); the
 * socket syscalls the call makes (bpf/data.bpf.c) fill in the fd and are not captured
 * themselves: they carry its ciphertext. */
struct hl_tls_call {
  __u64 tls;     /* the library's connection object (SSL *, gnutls_session_t) */
  __u64 buf;     /* plaintext buffer */
  __u64 len_ptr; /* OpenSSL's _ex functions: where the byte count is written; else 0 */
  __s32 fd;      /* -1 until a socket syscall inside the call shows it */
  __u8 direction;
  __u8 handshake; /* SSL_do_handshake, gnutls_handshake: no plaintext, only the socket */
  __u8 _pad[2];
};

/* pid_tgid -> the TLS call of that thread. A hash map, not task storage: kernels before 5.11
 * have no task storage, and uprobes of another thread never see this one's entry. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct hl_tls_call);
} tls_calls SEC(".maps");

/* The HTTP/1 fast path (data.bpf.c): a request kept until its response, per connection. A plain
 * hash: when it is full the request goes out as payload (outcome no_room), nothing is evicted.
 * A connection's entry is written in place by each request it keeps and read only while the
 * connection is HL_FAST_PENDING or HL_FAST_DRAINING; it goes with the connection (close, the
 * agent's Forget). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct hl_conn_key);
  __type(value, struct hl_http_pending);
} http_pending SEC(".maps");

/* Written by the agent when its parser is idle on a server connection the fast path left
 * (hl_http_rearm); taken by the connection's next request. LRU: a request for a connection that
 * closed first just ages out. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, struct hl_conn_key);
  __type(value, struct hl_http_rearm);
} http_rearm SEC(".maps");

/* Per-CPU count of each enum hl_fast_outcome. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, HL_FAST_OUTCOME_MAX);
  __type(key, __u32);
  __type(value, __u64);
} fast_outcomes SEC(".maps");

static __always_inline void count(enum hl_counter which) {
  __u32 key = which;
  __u64 *value = bpf_map_lookup_elem(&counters, &key);
  if (value) *value += 1;
}

/* Reserves a ring-buffer record of type T, counting the loss if it is full. */
#define reserve_event(T, KIND)                                   \
  ({                                                             \
    T *ev__ = bpf_ringbuf_reserve(&events, sizeof(T), 0);        \
    if (!ev__) {                                                 \
      count(HL_CNT_LOST_RINGBUF);                                \
    } else {                                                     \
      __u64 id__ = bpf_get_current_pid_tgid();                   \
      ev__->hdr.kind = (KIND);                                   \
      ev__->hdr.tgid = id__ >> 32;                               \
      ev__->hdr.tid = (__u32)id__;                               \
      ev__->hdr._pad = 0;                                        \
      ev__->hdr.ts_ns = bpf_ktime_get_ns();                      \
    }                                                            \
    ev__;                                                        \
  })

static __always_inline void mark_tracked(__u32 tgid, __u8 on) {
  __u32 key = tgid / HL_TRACKED_BYTES_PER_ENTRY;
  struct hl_tracked_bytes *e = bpf_map_lookup_elem(&tracked_bytes, &key);
  if (e) e->tracked[tgid % HL_TRACKED_BYTES_PER_ENTRY] = on;
}

static __always_inline struct hl_tracked *lookup_tracked(__u32 tgid) {
  __u32 key = tgid / HL_TRACKED_BYTES_PER_ENTRY;
  struct hl_tracked_bytes *e = bpf_map_lookup_elem(&tracked_bytes, &key);
  /* No element: a pid above the pid_max the loader saw (raised since); the hash decides. */
  if (e && !e->tracked[tgid % HL_TRACKED_BYTES_PER_ENTRY]) return 0;
  struct hl_tracked *t = bpf_map_lookup_elem(&tracked, &tgid);
  if (t && t->state != HL_TRACK_NONE) return t;
  return 0;
}

static __always_inline int track(__u32 tgid, const struct hl_tracked *value) {
  long err = bpf_map_update_elem(&tracked, &tgid, value, BPF_ANY);
  if (err) {
    count(HL_CNT_LOST_MAP_FULL);
    return err;
  }
  mark_tracked(tgid, 1);
  return 0;
}

/* A connection's generation, never 0: this CPU's next count, with the CPU in
 * the low bits, so unique across CPUs without an atomic fetch-and-add (its
 * result needs the BPF_FETCH instructions of Linux 5.12, and 5.10's verifier
 * refuses the instruction even in dead code, so no load-time switch could keep
 * it). Plain increments are enough: the syscall tracepoint programs never run
 * nested on one CPU (bpf_prog_active) and run with preemption off. The TLS
 * uretprobe (tls.bpf.c, for sockets older than the agent) may be preempted on
 * newer kernels between the read and the write, and so share its number with
 * a connection opened meanwhile on that CPU: harmless, as a generation only
 * has to differ between successive connections of one (tgid, fd), and the
 * connection it opens is of that socket, already open. */
#define HL_GENERATION_CPU_BITS 16

static __always_inline __u64 next_generation(void) {
  __u32 zero = 0;
  __u64 *count = bpf_map_lookup_elem(&generation, &zero);
  if (!count) return 0;
  __u64 next = *count + 1;
  *count = next;
  return (next << HL_GENERATION_CPU_BITS) | bpf_get_smp_processor_id();
}

#endif
