// SPDX-License-Identifier: GPL-2.0
/* Plaintext of Go's crypto/tls: (*Conn).Read and (*Conn).Write in Go executables built with
 * Go 1.17+ for amd64 (the register ABI). The userspace attaches the entry programs to each
 * function's body start (after the stack check, so a call whose stack grows is seen once) and
 * go_tls_return to every RET instruction of Read, as plain uprobes (agent/tls/go_tls.h finds
 * them).
 *
 * Write's plaintext is sent at its entry: all of b (tls.Conn.Write writes all of it or fails,
 * and then the connection is dead). At its return it would race with the reply: another
 * goroutine reads the connection meanwhile (net/http's client reads on its own goroutine), and
 * the reply's Read could return, and be sent, before the thread of the Write reached its RET;
 * the agent would see a response before its request. At entry, the request is in the ring
 * buffer before the server can have it.
 *
 * Never uretprobes on Go code: a uretprobe swaps the return address on the stack for a
 * trampoline's, and the Go runtime, which copies goroutine stacks to grow them and walks them
 * (GC, panics, tracebacks), throws on a return address it does not know and kills the program.
 * A uprobe on a RET changes nothing on the stack.
 *
 * Go's ABIInternal on amd64: the receiver *tls.Conn in RAX, b's pointer in RBX and length in
 * RCX; the results n in RAX, the error in RBX/RCX; the running goroutine g in R14, at entry and
 * at every RET. A goroutine may move to another thread while it waits inside the call, so the
 * call is remembered by (tgid, g), not by thread, and its socket is read from the tls.Conn
 * itself at entry, not from the syscalls inside: marking the connection TLS there makes the
 * syscall probes (data.bpf.c) skip its ciphertext. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tls.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct go_tls_key {
  __u32 tgid;
  __u32 _pad;
  __u64 g; /* the goroutine */
};

struct go_tls_call {
  __u64 buf;
  __s32 fd; /* -1: not found in the tls.Conn */
  __u32 _pad;
};

/* Reads in flight. LRU: a goroutine that leaves a call by a panic, or a process that exits
 * inside one, leaves an entry that ages out instead of filling the map. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct go_tls_key);
  __type(value, struct go_tls_call);
} go_tls_calls SEC(".maps");

/* tls.Conn.conn (net.Conn, an interface: itab, then data at +8) -> *net.TCPConn (or UnixConn),
 * whose only field is *netFD -> netFD.pfd (poll.FD) at 0 -> Sysfd after fdMutex's 16 bytes.
 * The layout of these types is the same from Go 1.12 to 1.23 (checked in Go 1.19's source). */
#define GO_IFACE_DATA 8
#define GO_POLL_FD_SYSFD 16

static __always_inline int go_conn_fd(__u64 conn) {
  __u64 tcp_conn = 0, net_fd = 0;
  __s64 sysfd = -1;
  if (bpf_probe_read_user(&tcp_conn, sizeof(tcp_conn), (const void *)(conn + GO_IFACE_DATA)) ||
      !tcp_conn)
    return -1;
  if (bpf_probe_read_user(&net_fd, sizeof(net_fd), (const void *)tcp_conn) || !net_fd) return -1;
  if (bpf_probe_read_user(&sysfd, sizeof(sysfd), (const void *)(net_fd + GO_POLL_FD_SYSFD)))
    return -1;
  if (sysfd < 0 || sysfd > 0x7fffffff) return -1;
  return (int)sysfd;
}

#if defined(__TARGET_ARCH_x86)
#define GO_ARG0(ctx) ((__u64)(ctx)->ax)
#define GO_ARG1(ctx) ((__u64)(ctx)->bx)
#define GO_ARG2(ctx) ((__u64)(ctx)->cx)
#define GO_RESULT0(ctx) ((__s64)(ctx)->ax)
#define GO_G(ctx) ((__u64)(ctx)->r14)
#else
/* Not attached on other architectures (agent/tls/go_tls.cc); compiled to nothing. */
#define GO_ARG0(ctx) 0
#define GO_ARG1(ctx) 0
#define GO_ARG2(ctx) 0
#define GO_RESULT0(ctx) 0
#define GO_G(ctx) 0
#endif

/* The connection of a call's tls.Conn, marked TLS before the call's syscalls so that their
 * ciphertext is skipped from the first one; *fd = -1 when the tls.Conn gives no socket. */
static __always_inline struct hl_conn_info *go_enter_conn(struct pt_regs *ctx, __u32 tgid,
                                                          int *fd) {
  *fd = go_conn_fd(GO_ARG0(ctx));
  return *fd >= 0 ? tls_conn(tgid, *fd) : 0;
}

/* func (c *Conn) Read(b []byte) (int, error) */
SEC("uprobe")
int go_tls_read_enter(struct pt_regs *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 tgid = id >> 32;
  if (!lookup_tracked(tgid)) return 0;
  struct go_tls_key key = {.tgid = tgid, .g = GO_G(ctx)};
  struct go_tls_call call = {};
  call.buf = GO_ARG1(ctx);
  go_enter_conn(ctx, tgid, &call.fd);
  if (bpf_map_update_elem(&go_tls_calls, &key, &call, BPF_ANY)) count(HL_CNT_LOST_MAP_FULL);
  return 0;
}

/* func (c *Conn) Write(b []byte) (int, error): b is sent now. */
SEC("uprobe")
int go_tls_write_enter(struct pt_regs *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 tgid = id >> 32;
  if (!lookup_tracked(tgid)) return 0;
  __u64 length = GO_ARG2(ctx);
  int fd = -1;
  struct hl_conn_info *info = go_enter_conn(ctx, tgid, &fd);
  if (length == 0) return 0;
  if (fd < 0) {
    count(HL_CNT_TLS_NO_SOCKET);
    return 0;
  }
  if (info) emit_tls_plaintext(id, info, fd, HL_DIR_EGRESS, GO_ARG1(ctx), length);
  return 0;
}

/* At each RET of Read: n bytes were read into b. */
SEC("uprobe")
int go_tls_return(struct pt_regs *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 tgid = id >> 32;
  struct go_tls_key key = {.tgid = tgid, .g = GO_G(ctx)};
  struct go_tls_call *found = bpf_map_lookup_elem(&go_tls_calls, &key);
  if (!found) {
    /* In flight when the probes were attached, or its entry aged out of the map. */
    if (lookup_tracked(tgid)) count(HL_CNT_TLS_CALL_UNSEEN);
    return 0;
  }
  struct go_tls_call call = *found;
  bpf_map_delete_elem(&go_tls_calls, &key);

  __s64 n = GO_RESULT0(ctx);
  if (n <= 0) return 0;
  if (call.fd < 0) {
    count(HL_CNT_TLS_NO_SOCKET);
    return 0;
  }
  struct hl_conn_info *info = tls_conn(tgid, call.fd);
  if (!info) return 0;
  emit_tls_plaintext(id, info, call.fd, HL_DIR_INGRESS, call.buf, (__u64)n);
  return 0;
}
