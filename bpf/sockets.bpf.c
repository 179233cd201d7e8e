// SPDX-License-Identifier: GPL-2.0
/* Connection lifecycle of tracked processes: accept/accept4 and connect
 * (syscall exit) open a connection, close ends it. Each connection gets a
 * generation number so (tgid, fd, generation) stays unique across fd reuse. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define EINPROGRESS 115

__u64 next_generation = 1;

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 262144);
  __type(key, struct hl_conn_key);
  __type(value, struct hl_conn_info);
} conns SEC(".maps");

/* connect() fd, from enter to exit, per thread */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, __s32);
} connect_fds SEC(".maps");

static __always_inline struct sock *fd_to_sock(int fd) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
  unsigned int max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
  if (fd < 0 || (unsigned int)fd >= max_fds) return 0;
  struct file *file = 0;
  if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file) return 0;
  struct socket *socket = BPF_CORE_READ(file, private_data);
  if (!socket) return 0;
  return BPF_CORE_READ(socket, sk);
}

/* TCP over IPv4/IPv6 and Unix stream sockets; everything else is ignored. */
static __always_inline bool wanted(struct sock *sk, __u16 family) {
  __u16 type = BPF_CORE_READ(sk, sk_type);
  if (type != 1 /* SOCK_STREAM */) return false;
  if (family == AF_UNIX) return true;
  if (family != AF_INET && family != AF_INET6) return false;
  return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

static __always_inline void emit_open(int fd, enum hl_conn_role role) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct sock *sk = fd_to_sock(fd);
  if (!sk) return;
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  if (!wanted(sk, family)) return;

  struct hl_conn_key key = {.tgid = tgid, .fd = fd};
  struct hl_conn_info info = {};
  info.generation = __sync_fetch_and_add(&next_generation, 1);
  info.opened_ns = bpf_ktime_get_ns();
  info.role = role;
  if (bpf_map_update_elem(&conns, &key, &info, BPF_ANY)) count(HL_CNT_LOST_MAP_FULL);

  struct hl_conn_event *ev = reserve_event(struct hl_conn_event, HL_EV_CONN_OPEN);
  if (!ev) return;
  ev->generation = info.generation;
  ev->fd = fd;
  ev->family = family;
  ev->role = role;
  ev->_pad = 0;
  ev->_pad2 = 0;
  __builtin_memset(ev->local_addr, 0, sizeof(ev->local_addr));
  __builtin_memset(ev->remote_addr, 0, sizeof(ev->remote_addr));
  ev->local_port = 0;
  ev->remote_port = 0;
  if (family == AF_INET) {
    BPF_CORE_READ_INTO(ev->local_addr, sk, __sk_common.skc_rcv_saddr);
    BPF_CORE_READ_INTO(ev->remote_addr, sk, __sk_common.skc_daddr);
  } else if (family == AF_INET6) {
    BPF_CORE_READ_INTO(ev->local_addr, sk, __sk_common.skc_v6_rcv_saddr);
    BPF_CORE_READ_INTO(ev->remote_addr, sk, __sk_common.skc_v6_daddr);
  }
  if (family != AF_UNIX) {
    ev->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
    ev->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  }
  bpf_ringbuf_submit(ev, 0);
}

static __always_inline int on_accept_exit(long ret) {
  if (ret < 0) return 0;
  if (!lookup_tracked(bpf_get_current_pid_tgid() >> 32)) return 0;
  emit_open((int)ret, HL_ROLE_SERVER);
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
  if (ctx->ret == 0 || ctx->ret == -EINPROGRESS) emit_open(sock_fd, HL_ROLE_CLIENT);
  return 0;
}

/* On enter: the fd still names the socket, and close() cannot fail in a
 * way that leaves a connection open. */
SEC("tp/syscalls/sys_enter_close")
int handle_close_enter(struct trace_event_raw_sys_enter *ctx) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  struct hl_conn_key key = {.tgid = tgid, .fd = (__s32)ctx->args[0]};
  struct hl_conn_info *info = bpf_map_lookup_elem(&conns, &key);
  if (!info) return 0;
  __u64 generation = info->generation;
  __u8 role = info->role;
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
