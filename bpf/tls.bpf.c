// SPDX-License-Identifier: GPL-2.0
/* Plaintext of TLS library calls in tracked processes: OpenSSL's SSL_read, SSL_write and their
 * _ex forms, GnuTLS's gnutls_record_recv and gnutls_record_send. The userspace attaches these
 * programs to each TLS library file it finds (agent/tls/). The entry probe remembers the
 * buffer; the socket syscalls the call makes show its fd (data.bpf.c, which skips their
 * ciphertext); the return probe sends what was transferred as a data event of the same
 * connection, syscall HL_SYS_TLS. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tls.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* (tgid, TLS object) -> its socket fd, for calls served from the library's own buffer (no
 * syscall inside). */
struct tls_key {
  __u32 tgid;
  __u32 _pad;
  __u64 tls;
};
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct tls_key);
  __type(value, __s32);
} tls_fds SEC(".maps");

static __always_inline int tls_enter(void *tls, void *buf, void *len_ptr, __u8 direction) {
  __u64 id = bpf_get_current_pid_tgid();
  if (!lookup_tracked(id >> 32)) return 0;
  struct hl_tls_call call = {};
  call.tls = (__u64)tls;
  call.buf = (__u64)buf;
  call.len_ptr = (__u64)len_ptr;
  call.fd = -1;
  call.direction = direction;
  if (bpf_map_update_elem(&tls_calls, &id, &call, BPF_ANY)) count(HL_CNT_LOST_MAP_FULL);
  return 0;
}

/* int SSL_read(SSL *, void *, int), ssize_t gnutls_record_recv(session, void *, size_t) */
SEC("uprobe")
int BPF_KPROBE(tls_read_enter, void *tls, void *buf) {
  return tls_enter(tls, buf, 0, HL_DIR_INGRESS);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_enter, void *tls, void *buf) {
  return tls_enter(tls, buf, 0, HL_DIR_EGRESS);
}

/* int SSL_read_ex(SSL *, void *, size_t, size_t *readbytes), and SSL_write_ex alike */
SEC("uprobe")
int BPF_KPROBE(tls_read_ex_enter, void *tls, void *buf, __u64 num, void *readbytes) {
  return tls_enter(tls, buf, readbytes, HL_DIR_INGRESS);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_ex_enter, void *tls, void *buf, __u64 num, void *written) {
  return tls_enter(tls, buf, written, HL_DIR_EGRESS);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_exit, long ret) {
  __u64 id = bpf_get_current_pid_tgid();
  struct hl_tls_call *found = bpf_map_lookup_elem(&tls_calls, &id);
  if (!found) return 0;
  struct hl_tls_call call = *found;
  bpf_map_delete_elem(&tls_calls, &id);

  /* OpenSSL's functions return int, so only the low 32 bits of the register are the result
   * (-1 arrives as 0xffffffff); GnuTLS's return ssize_t, but never more than a record
   * (16 KiB), so the same reading is right for them. */
  int result = (int)ret;
  __u64 length = 0;
  if (call.len_ptr) {
    if (result != 1) return 0;
    if (bpf_probe_read_user(&length, sizeof(length), (const void *)call.len_ptr)) return 0;
  } else {
    if (result <= 0) return 0;
    length = result;
  }
  if (length == 0) return 0;

  __u32 tgid = id >> 32;
  struct tls_key key = {.tgid = tgid, .tls = call.tls};
  if (call.fd >= 0) {
    bpf_map_update_elem(&tls_fds, &key, &call.fd, BPF_ANY);
  } else {
    __s32 *fd = bpf_map_lookup_elem(&tls_fds, &key);
    if (!fd) {
      count(HL_CNT_TLS_NO_SOCKET);
      return 0;
    }
    call.fd = *fd;
  }
  struct hl_conn_info *info = tls_conn(tgid, call.fd);
  if (!info) return 0;

  emit_tls_plaintext(id, info, call.fd, call.direction, call.buf, length);
  return 0;
}
