/* fd -> struct sock, and which sockets hostlens follows. BPF only. */
#ifndef HOSTLENS_BPF_SOCK_H
#define HOSTLENS_BPF_SOCK_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000

static __always_inline struct file *fd_to_file(int fd) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
  unsigned int max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
  if (fd < 0 || (unsigned int)fd >= max_fds) return 0;
  struct file *file = 0;
  if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd])) return 0;
  return file;
}

/* Null unless fd is a socket. */
static __always_inline struct sock *fd_to_sock(int fd) {
  struct file *file = fd_to_file(fd);
  if (!file) return 0;
  umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
  if ((mode & S_IFMT) != S_IFSOCK) return 0;
  struct socket *socket = BPF_CORE_READ(file, private_data);
  if (!socket) return 0;
  return BPF_CORE_READ(socket, sk);
}

/* TCP over IPv4/IPv6 and Unix stream sockets; everything else is ignored. */
static __always_inline bool followed_socket(struct sock *sk) {
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  __u16 type = BPF_CORE_READ(sk, sk_type);
  if (type != 1 /* SOCK_STREAM */) return false;
  if (family == AF_UNIX) return true;
  if (family != AF_INET && family != AF_INET6) return false;
  return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

#endif
