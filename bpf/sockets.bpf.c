// SPDX-License-Identifier: GPL-2.0
/* Connection lifecycle of tracked processes: accept/accept4 and connect
 * (syscall exit) open a connection, close ends it. Each connection gets a
 * generation number so (tgid, fd, generation) stays unique across fd reuse. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "conn.bpf.h"
#include "maps.bpf.h"
#include "sock.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EINPROGRESS 115

/* connect() fd, from enter to exit, per thread */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, __s32);
} connect_fds SEC(".maps");

static __always_inline void follow(int fd, enum hl_conn_role role) {
  struct sock *sk = fd_to_sock(fd);
  if (!sk || !followed_socket(sk)) return;
  __u64 accept_wait_ns = 0;
  if (role == HL_ROLE_SERVER) {
    __u64 key = (__u64)sk;
    __u64 *established = bpf_map_lookup_elem(&established_at, &key);
    if (established) {
      __u64 now = bpf_ktime_get_ns();
      if (now > *established) accept_wait_ns = now - *established;
      bpf_map_delete_elem(&established_at, &key);
    }
  }
  open_conn(bpf_get_current_pid_tgid() >> 32, fd, sk, role, accept_wait_ns);
}

static __always_inline int on_accept_exit(long ret) {
  if (ret < 0) return 0;
  if (!lookup_tracked(bpf_get_current_pid_tgid() >> 32)) return 0;
  follow((int)ret, HL_ROLE_SERVER);
  return 0;
}

SEC("tp/syscalls/sys_exit_accept")
int handle_accept_exit(struct trace_event_raw_sys_exit *ctx) { return on_accept_exit(ctx->ret); }

SEC("tp/syscalls/sys_exit_accept4")
int handle_accept4_exit(struct trace_event_raw_sys_exit *ctx) { return on_accept_exit(ctx->ret); }

SEC("tp/syscalls/sys_enter_connect")
int handle_connect_enter(struct trace_event_raw_sys_enter *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  if (!lookup_tracked(id >> 32)) return 0;
  __s32 fd = (__s32)ctx->args[0];
  if (bpf_map_update_elem(&connect_fds, &id, &fd, BPF_ANY)) count(HL_CNT_LOST_MAP_FULL);
  return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int handle_connect_exit(struct trace_event_raw_sys_exit *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __s32 *fd = bpf_map_lookup_elem(&connect_fds, &id);
  if (!fd) return 0;
  __s32 sock_fd = *fd;
  bpf_map_delete_elem(&connect_fds, &id);
  if (ctx->ret == 0 || ctx->ret == -EINPROGRESS) follow(sock_fd, HL_ROLE_CLIENT);
  return 0;
}

/* On enter: the fd still names the socket, and close() cannot fail in a
 * way that leaves a connection open. */
SEC("tp/syscalls/sys_enter_close")
int handle_close_enter(struct trace_event_raw_sys_enter *ctx) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct hl_conn_key key = {.tgid = tgid, .fd = (__s32)ctx->args[0]};
  struct hl_conn_info *info = bpf_map_lookup_elem(&conns, &key);
  if (!info) {
    bpf_map_delete_elem(&skipped_fds, &key);
    return 0;
  }
  __u64 generation = info->generation;
  __u8 role = info->role;
  /* The fast path's entry of a server connection (written in place from one request to the
   * next, so there may be one in any state); a request kept and never answered makes no
   * exchange, as on the payload path. */
  if (info->role != HL_ROLE_CLIENT) bpf_map_delete_elem(&http_pending, &key);
  bpf_map_delete_elem(&conns, &key);

  struct hl_conn_event *ev = reserve_event(struct hl_conn_event, HL_EV_CONN_CLOSE);
  if (!ev) return 0;
  __builtin_memset(((char *)ev) + sizeof(ev->hdr), 0, sizeof(*ev) - sizeof(ev->hdr));
  ev->generation = generation;
  ev->fd = key.fd;
  ev->role = role;
  bpf_ringbuf_submit(ev, 0);
  return 0;
}
