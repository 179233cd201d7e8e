/* TLS plaintext to data events: shared by the TLS library probes (tls.bpf.c) and Go's
 * crypto/tls probes (go_tls.bpf.c). BPF only. */
#ifndef HOSTLENS_BPF_TLS_H
#define HOSTLENS_BPF_TLS_H

#include "conn.bpf.h"
#include "emit.bpf.h"
#include "maps.bpf.h"
#include "sock.bpf.h"

const volatile __u32 targ_capture_bytes = 4096;

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct hl_data_event);
} tls_scratch SEC(".maps");

/* The connection of (tgid, fd), followed from now on if it is a socket older than the agent,
 * and marked TLS: its socket payloads are ciphertext, which the syscall probes (data.bpf.c)
 * then skip. Null when the agent does not want its plaintext. */
static __always_inline struct hl_conn_info *tls_conn(__u32 tgid, int fd) {
  struct hl_conn_key key = {.tgid = tgid, .fd = fd};
  struct hl_conn_info *info = bpf_map_lookup_elem(&conns, &key);
  if (!info) {
    struct sock *sk = fd_to_sock(fd);
    if (!sk || !followed_socket(sk)) return 0;
    open_conn(tgid, fd, sk, HL_ROLE_UNKNOWN, 0);
    info = bpf_map_lookup_elem(&conns, &key);
  }
  if (!info || info->tls_ignored) return 0;
  if (!info->tls) info->tls = 1;
  return info;
}

/* Sends the `length` plaintext bytes at `buf` that a TLS call of thread `id` moved on `fd`:
 * a data event of the connection, syscall HL_SYS_TLS, with the head and the tail copied like a
 * socket syscall's. */
static __always_inline void emit_tls_plaintext(__u64 id, struct hl_conn_info *info, int fd,
                                               __u8 direction, __u64 buf, __u64 length) {
  __u32 zero = 0;
  struct hl_data_event *ev = bpf_map_lookup_elem(&tls_scratch, &zero);
  if (!ev) return;
  fill_data_header(ev, id, info->generation, length, fd, direction, info->role, HL_SYS_TLS);
  __u64 head = length;
  if (head > targ_capture_bytes) head = targ_capture_bytes;
  if (head > HL_CAPTURE_MAX) head = HL_CAPTURE_MAX;
  if (head > 0 && bpf_probe_read_user(ev->data, head, (const void *)buf) != 0) head = 0;
  ev->head_len = head;
  __u64 tail = length - head;
  if (tail > HL_TAIL_LEN) tail = HL_TAIL_LEN;
  if (tail > 0 && head <= HL_CAPTURE_MAX &&
      bpf_probe_read_user(&ev->data[head], tail & (HL_TAIL_LEN * 2 - 1),
                          (const void *)(buf + length - tail)) == 0) {
    ev->tail_len = tail;
  }
  submit_data(ev);
}

#endif
