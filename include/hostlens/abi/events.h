/* Events and map types shared by the BPF programs (bpf/) and the agent.
 * Plain C, fixed-width fields, no pointers: the layout is the contract. */
#ifndef HOSTLENS_ABI_EVENTS_H
#define HOSTLENS_ABI_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define HL_FILENAME_LEN 256
#define HL_ADDR_LEN 16
#define HL_UNIX_PATH_LEN 108 /* sizeof(sockaddr_un.sun_path) */

/* Every ring-buffer record starts with hl_event_header; kind says which
 * struct follows. */
enum hl_event_kind {
  HL_EV_PROC_FORK = 1,
  HL_EV_PROC_EXEC = 2,
  HL_EV_PROC_EXIT = 3,
  HL_EV_PROC_LISTEN = 4, /* a process started listening on a selected port */
  HL_EV_CONN_OPEN = 5,
  HL_EV_CONN_CLOSE = 6,
  HL_EV_DATA = 7,
  HL_EV_PROC_CODE_MAPPED = 8, /* a tracked process mapped a file executable (a library) */
  HL_EV_HTTP_EXCHANGE = 9, /* the HTTP/1 fast path: struct hl_http_fast_event (http_fast.h) */
  HL_EV_HTTP_REQUEST = 10,
  HL_EV_KIND_MAX = 11,
};

struct hl_event_header {
  __u32 kind;
  __u32 tgid;
  __u32 tid;
  __u32 _pad;
  __u64 ts_ns; /* bpf_ktime_get_ns() */
};

/* A new process (not a thread). The kernel has already applied the
 * inheritance rule: a child of a tracked process is tracked. */
struct hl_proc_fork_event {
  struct hl_event_header hdr; /* hdr.tgid = parent */
  __u32 child_tgid;
  __u32 child_tracked; /* 1 if the kernel tracked the child */
  __u64 child_start_ns; /* task->start_boottime: /proc/PID/stat starttime in ns */
};

struct hl_proc_exec_event {
  struct hl_event_header hdr;
  __u64 start_ns;
  __u32 tracked_state; /* enum hl_track_state after the kernel's rule */
  __u32 _pad;
  char filename[HL_FILENAME_LEN]; /* as given to execve */
};

/* A tracked process mapped part of a file as executable code: a shared library the dynamic
 * loader or dlopen brought in. The agent looks for TLS functions in it (agent/tls/). */
struct hl_proc_code_mapped_event {
  struct hl_event_header hdr;
};

/* Last thread of a tracked process exited. */
struct hl_proc_exit_event {
  struct hl_event_header hdr;
  __u64 start_ns;
  __u64 cpu_ns; /* whole-process CPU time (all threads, user + system) */
};

struct hl_proc_listen_event {
  struct hl_event_header hdr;
  __u32 selector; /* index of the port selector that matched */
  __u16 port;
  __u16 _pad;
};

enum hl_conn_role {
  HL_ROLE_UNKNOWN = 0, /* opened before the agent: userspace decides by listening ports */
  HL_ROLE_SERVER = 1,  /* accepted */
  HL_ROLE_CLIENT = 2,  /* connected */
};

struct hl_conn_event {
  struct hl_event_header hdr;
  __u64 generation; /* with (tgid, fd): unique across fd reuse */
  __s32 fd;
  __u16 family; /* AF_INET, AF_INET6, AF_UNIX */
  __u8 role;    /* enum hl_conn_role */
  __u8 _pad;
  __u16 local_port;  /* host order */
  __u16 remote_port; /* host order */
  __u32 _pad2;
  __u8 local_addr[HL_ADDR_LEN];  /* v4 in the first 4 bytes */
  __u8 remote_addr[HL_ADDR_LEN];
  /* accepted connections: time from TCP established to accept(); 0 unknown */
  __u64 accept_wait_ns;
  /* AF_UNIX: the server's socket path (the bound name of the listening
   * side), "" if unnamed; abstract names start with '@'. */
  char unix_path[HL_UNIX_PATH_LEN];
};

#define HL_CONN_SEQ_ARMED 0x80000000u

/* Largest head the kernel can be told to copy (--capture-bytes). */
#define HL_CAPTURE_MAX 4096
/* Last bytes of each read/write copied beyond the head: enough for the ends of several small
 * messages after a large one (a pipeline's commands after a 1 MB value, CommandComplete +
 * ReadyForQuery after 10 MB of rows). Copied only for syscalls longer than the head. */
#define HL_TAIL_LEN 256

enum hl_direction {
  HL_DIR_INGRESS = 0, /* read by the process */
  HL_DIR_EGRESS = 1,  /* written by the process */
};

enum hl_syscall {
  HL_SYS_READ = 1,
  HL_SYS_WRITE,
  HL_SYS_RECVFROM,
  HL_SYS_SENDTO,
  HL_SYS_READV,
  HL_SYS_WRITEV,
  HL_SYS_RECVMSG,
  HL_SYS_SENDMSG,
  HL_SYS_SENDFILE,
  /* Not a syscall: the plaintext of a TLS library call (SSL_read, SSL_write_ex, ...), caught
   * by uprobes (bpf/tls.bpf.c) on the connection whose socket the call used. */
  HL_SYS_TLS,
};

/* One socket read or write of a tracked connection. The record is
 * variable-length: data[] holds head_len bytes (the first bytes of the
 * payload), then tail_len bytes (its last bytes). length is the syscall's
 * full byte count, so bytes between head and tail are known by number. */
struct hl_data_event {
  struct hl_event_header hdr;
  __u64 generation;
  __u64 length;
  __s32 fd;
  __u8 direction; /* enum hl_direction */
  __u8 role;      /* enum hl_conn_role, as the kernel knows it */
  __u8 syscall;   /* enum hl_syscall */
  __u8 _pad;
  __u16 head_len;
  __u16 tail_len;
  /* The connection's count of payload events (hl_conn_info.seq, low 16 bits) on HTTP server
   * connections: the agent re-arms the fast path with the count it has seen. HL_CONN_SEQ_ARMED:
   * the kernel itself knows the connection is at a message boundary after this event. */
  __u32 conn_seq;
  __u8 data[HL_CAPTURE_MAX + HL_TAIL_LEN];
};
#define HL_DATA_EVENT_FIXED_SIZE __builtin_offsetof(struct hl_data_event, data)

/* ---- maps ---- */

enum hl_track_state {
  HL_TRACK_NONE = 0,
  /* exec'd while selectors need userspace to decide (e.g. --exe REGEX):
   * captured from the first syscall on, dropped by the agent if it does
   * not match. */
  HL_TRACK_PENDING = 1,
  HL_TRACK_ON = 2,
};

/* tracked map: key __u32 tgid */
struct hl_tracked {
  __u32 selector; /* index into the agent's selector list; HL_NO_SELECTOR if pending */
  __u32 state;    /* enum hl_track_state */
};
#define HL_NO_SELECTOR 0xffffffffu

/* tracked_bytes map: element tgid / 64, byte tgid % 64 is 1 while the tgid is tracked. */
#define HL_TRACKED_BYTES_PER_ENTRY 64
struct hl_tracked_bytes {
  __u8 tracked[HL_TRACKED_BYTES_PER_ENTRY];
};

/* conns map: key struct hl_conn_key */
struct hl_conn_key {
  __u32 tgid;
  __s32 fd;
};
struct hl_conn_info {
  __u64 generation;
  __u64 opened_ns;
  __u8 role;
  __u8 ignored; /* set by the agent: socket payloads are not a protocol it parses */
  /* set by the TLS probes once they saw plaintext here: socket payloads are ciphertext, skipped */
  __u8 tls;
  __u8 tls_ignored; /* set by the agent: the TLS plaintext is not a protocol it parses either */
  __u8 fast;        /* enum hl_fast_conn: the HTTP/1 fast path's state (http_fast.h) */
  __u8 _pad;
  __u16 seq;        /* payload events sent (HTTP server connections) */
};

/* hl_conn_info.fast */
enum hl_fast_conn {
  HL_FAST_UNARMED = 0, /* payloads go out; the agent may re-arm (http_rearm map) */
  HL_FAST_ARMED = 1,   /* both directions at a message boundary */
  HL_FAST_PENDING = 2, /* a request is kept (http_pending map) until its response */
  HL_FAST_DRAINING = 3, /* the rest of a response whose head went out: its writes are sent by
                           length only, and its end is a message boundary again */
};

/* http_rearm map: key struct hl_conn_key. The agent's parser is idle after the payload event
 * whose conn_seq is `seq`: if none went out since, the connection is at a boundary again. */
struct hl_http_rearm {
  __u64 generation;
  __u32 seq;
  __u32 _pad;
};

/* Per-CPU counters: index = enum hl_counter. */
enum hl_counter {
  HL_CNT_LOST_RINGBUF = 0,   /* bpf_ringbuf_reserve failed */
  HL_CNT_LOST_MAP_FULL = 1,  /* a map update failed (map full) */
  HL_CNT_TLS_NO_SOCKET = 2,  /* TLS plaintext whose socket was never seen (no syscall inside) */
  HL_CNT_TLS_CALL_UNSEEN = 3, /* a Go TLS call returned whose entry the probes did not see */
  HL_CNT_MAX = 8,
};

#endif /* HOSTLENS_ABI_EVENTS_H */
