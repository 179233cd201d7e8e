/* Building and sending data events: shared by the socket syscall probes (data.bpf.c) and the
 * TLS library probes (tls.bpf.c). BPF only. */
#ifndef HOSTLENS_BPF_EMIT_H
#define HOSTLENS_BPF_EMIT_H

#include "maps.bpf.h"

/* The fixed part of a data event; head and tail are the caller's. */
static __always_inline void fill_data_header(struct hl_data_event *ev, __u64 pid_tgid,
                                             __u64 generation, __u64 length, int fd,
                                             __u8 direction, __u8 role, __u8 syscall) {
  ev->hdr.kind = HL_EV_DATA;
  ev->hdr.tgid = pid_tgid >> 32;
  ev->hdr.tid = (__u32)pid_tgid;
  ev->hdr._pad = 0;
  ev->hdr.ts_ns = bpf_ktime_get_ns();
  ev->generation = generation;
  ev->length = length;
  ev->fd = fd;
  ev->direction = direction;
  ev->role = role;
  ev->syscall = syscall;
  ev->_pad = 0;
  ev->head_len = 0;
  ev->tail_len = 0;
  ev->conn_seq = 0;
}

/* Copies the event to the ring buffer at its real size. Data events do not wake the agent one
 * by one: it drains the ring buffer every poll interval (agent/app/event_loop.h), or at once
 * when the ring is an eighth full. Waking the consumer per event costs the traced process a
 * wakeup per syscall. */
static __always_inline __u64 data_wakeup_flags(void) {
  return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >
                 bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 8
             ? BPF_RB_FORCE_WAKEUP
             : BPF_RB_NO_WAKEUP;
}

static __always_inline void submit_data(struct hl_data_event *ev) {
  __u64 size = HL_DATA_EVENT_FIXED_SIZE + ev->head_len + ev->tail_len;
  if (size > sizeof(*ev)) return;
  if (bpf_ringbuf_output(&events, ev, size, data_wakeup_flags())) count(HL_CNT_LOST_RINGBUF);
}

#endif
