// SPDX-License-Identifier: GPL-2.0
/* Plaintext of TLS library calls in tracked processes: OpenSSL's SSL_read, SSL_write and their
 * _ex forms, GnuTLS's gnutls_record_recv and gnutls_record_send. The userspace attaches these
 * programs to each TLS library file it finds (agent/tls/). The entry probe remembers the
 * buffer; the socket syscalls the call makes show its fd (data.bpf.c, which skips their
 * ciphertext); the return probe sends what was transferred as a data event of the same
 * connection, syscall HL_SYS_TLS. The handshake functions are probed for the socket alone: a
 * request that arrives with the client's Finished (when that is the handshake's last message:
 * TLS 1.3, a resumed TLS 1.2 session) is read and buffered by the handshake of a server that
 * reads ahead, and the SSL_read that returns it makes no syscall. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tls.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* (tgid, TLS object) -> its socket, for calls served from the library's own buffer (no
 * syscall inside). The connection's generation tells a freed object's stale entry from the
 * live one: the allocator hands a new connection's object the old one's address. */
struct tls_key {
  __u32 tgid;
  __u32 _pad;
  __u64 tls;
};
struct tls_socket {
  __s32 fd;
  __u32 _pad;
  __u64 generation;
};
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct tls_key);
  __type(value, struct tls_socket);
} tls_fds SEC(".maps");

static __always_inline int tls_enter(void *tls, void *buf, void *len_ptr, __u8 direction,
                                     __u8 handshake) {
  __u64 id = bpf_get_current_pid_tgid();
  if (!lookup_tracked(id >> 32)) return 0;
  struct hl_tls_call call = {};
  call.tls = (__u64)tls;
  call.buf = (__u64)buf;
  call.len_ptr = (__u64)len_ptr;
  call.fd = -1;
  call.direction = direction;
  call.handshake = handshake;
  if (bpf_map_update_elem(&tls_calls, &id, &call, BPF_ANY)) count(HL_CNT_LOST_MAP_FULL);
  return 0;
}

/* int SSL_read(SSL *, void *, int), ssize_t gnutls_record_recv(session, void *, size_t) */
SEC("uprobe")
int BPF_KPROBE(tls_read_enter, void *tls, void *buf) {
  return tls_enter(tls, buf, 0, HL_DIR_INGRESS, 0);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_enter, void *tls, void *buf) {
  return tls_enter(tls, buf, 0, HL_DIR_EGRESS, 0);
}

/* int SSL_read_ex(SSL *, void *, size_t, size_t *readbytes), and SSL_write_ex alike */
SEC("uprobe")
int BPF_KPROBE(tls_read_ex_enter, void *tls, void *buf, __u64 num, void *readbytes) {
  return tls_enter(tls, buf, readbytes, HL_DIR_INGRESS, 0);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_ex_enter, void *tls, void *buf, __u64 num, void *written) {
  return tls_enter(tls, buf, written, HL_DIR_EGRESS, 0);
}

/* int SSL_do_handshake(SSL *), int gnutls_handshake(gnutls_session_t) */
SEC("uprobe")
int BPF_KPROBE(tls_handshake_enter, void *tls) {
  return tls_enter(tls, 0, 0, HL_DIR_INGRESS, 1);
}

/* The connection of `fd`, marked TLS, and the object's socket remembered for the calls that
 * make no syscall. Null when the agent does not want its plaintext. */
static __always_inline struct hl_conn_info *remember_socket(struct tls_key *key, int fd) {
  struct hl_conn_info *info = tls_conn(key->tgid, fd);
  if (!info) return 0;
  struct tls_socket *known = bpf_map_lookup_elem(&tls_fds, key);
  if (known && known->fd == fd && known->generation == info->generation) return info;
  struct tls_socket socket = {.fd = fd, .generation = info->generation};
  bpf_map_update_elem(&tls_fds, key, &socket, BPF_ANY);
  return info;
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_exit, long ret) {
  __u64 id = bpf_get_current_pid_tgid();
  struct hl_tls_call *found = bpf_map_lookup_elem(&tls_calls, &id);
  if (!found) return 0;
  struct hl_tls_call call = *found;
  bpf_map_delete_elem(&tls_calls, &id);
  __u32 tgid = id >> 32;
  struct tls_key key = {.tgid = tgid, .tls = call.tls};
  if (call.handshake) {
    if (call.fd >= 0) remember_socket(&key, call.fd);
    return 0;
  }

  /* OpenSSL's functions return int, so only the low 32 bits of the register are the result
   * (-1 arrives as 0xffffffff); GnuTLS's return ssize_t, but never more than a record
   * (16 KiB), so the same reading is right for them. */
  int result = (int)ret;
  __u64 length = 0;
  if (call.len_ptr) {
    if (result <= 0) return 0;
    if (bpf_probe_read_user(&length, sizeof(length), (const void *)call.len_ptr)) return 0;
  } else {
    if (result <= 0) return 0;
    length = result;
  }
  if (length == 0) return 0;

  struct hl_conn_info *info = 0;
  if (call.fd >= 0) {
    info = remember_socket(&key, call.fd);
    if (!info) return 0;
  } else {
    /* Served from the library's buffer: the socket this object last used, if that
     * connection is still the one on its fd. */
    struct tls_socket *socket = bpf_map_lookup_elem(&tls_fds, &key);
    if (socket) {
      call.fd = socket->fd;
      struct hl_conn_key conn_key = {.tgid = tgid, .fd = call.fd};
      info = bpf_map_lookup_elem(&conns, &conn_key);
      if (info && info->generation != socket->generation) info = 0;
    }
    if (!info) {
      count(HL_CNT_TLS_NO_SOCKET);
      return 0;
    }
    if (info->tls_ignored) return 0;
  }

  emit_tls_plaintext(id, info, call.fd, call.direction, call.buf, length);
  return 0;
}
