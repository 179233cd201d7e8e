/* Starting to follow a connection: the conns entry and the open event.
 * Shared by accept/connect (sockets.bpf.c) and by the first read or write
 * of a connection older than the agent (data.bpf.c). BPF only. */
#ifndef HOSTLENS_BPF_CONN_H
#define HOSTLENS_BPF_CONN_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "maps.bpf.h"
#include "sock.bpf.h"

/* The path a Unix stream connection's server is bound to: our own name on
 * the accepting side (accepted sockets share the listener's), the peer's
 * on the connecting side. */
static __always_inline void read_unix_path(struct sock *sk, char *out) {
  struct unix_sock *self = (struct unix_sock *)sk;
  struct unix_address *addr = BPF_CORE_READ(self, addr);
  if (!addr) {
    struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(self, peer);
    if (peer) addr = BPF_CORE_READ(peer, addr);
  }
  out[0] = 0;
  if (!addr) return;
  int len = BPF_CORE_READ(addr, len);
  if (len <= (int)sizeof(__u16)) return; /* unnamed */
  const char *path = addr->name[0].sun_path;
  if (bpf_probe_read_kernel_str(out, HL_UNIX_PATH_LEN, path) < 0) {
    out[0] = 0;
    return;
  }
  if (out[0] == 0) {
    /* Abstract name: a NUL, then the name. Shown as "@name". */
    out[0] = '@';
    if (bpf_probe_read_kernel_str(out + 1, HL_UNIX_PATH_LEN - 1, path + 1) < 0) out[1] = 0;
  }
}

/* Follows (tgid, fd) from now on and tells the agent. Returns the entry's
 * generation, 0 if the map refused it. */
static __always_inline __u64 open_conn(__u32 tgid, int fd, struct sock *sk, enum hl_conn_role role,
                                       __u64 accept_wait_ns) {
  struct hl_conn_key key = {.tgid = tgid, .fd = fd};
  struct hl_conn_info info = {};
  info.generation = next_generation();
  info.opened_ns = bpf_ktime_get_ns();
  info.role = role;
  /* Accepted here: both directions start at a message boundary. */
  info.fast = role == HL_ROLE_SERVER ? HL_FAST_ARMED : HL_FAST_UNARMED;
  if (bpf_map_update_elem(&conns, &key, &info, BPF_ANY)) {
    count(HL_CNT_LOST_MAP_FULL);
    return 0;
  }

  struct hl_conn_event *ev = reserve_event(struct hl_conn_event, HL_EV_CONN_OPEN);
  if (!ev) return info.generation;
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  ev->generation = info.generation;
  ev->fd = fd;
  ev->family = family;
  ev->role = role;
  ev->_pad = 0;
  ev->_pad2 = 0;
  ev->accept_wait_ns = accept_wait_ns;
  __builtin_memset(ev->local_addr, 0, sizeof(ev->local_addr));
  __builtin_memset(ev->remote_addr, 0, sizeof(ev->remote_addr));
  ev->local_port = 0;
  ev->remote_port = 0;
  /* Sizes spelled out: BPF_CORE_READ_INTO on an array copies one element. */
  if (family == AF_INET) {
    bpf_core_read(ev->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
    bpf_core_read(ev->remote_addr, 4, &sk->__sk_common.skc_daddr);
  } else if (family == AF_INET6) {
    bpf_core_read(ev->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
    bpf_core_read(ev->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
  }
  if (family != AF_UNIX) {
    ev->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
    ev->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    ev->unix_path[0] = 0;
  } else {
    read_unix_path(sk, ev->unix_path);
  }
  bpf_ringbuf_submit(ev, 0);
  return info.generation;
}

#endif
