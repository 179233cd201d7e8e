// The TLS part of the benchmark's floor: the uprobes and uretprobes the agent attaches to a
// libssl (bpf/tls.bpf.c), each program empty. What an HTTPS server loses with these attached is
// the price of the probes themselves (a breakpoint trap per call and per return), before any
// work the agent's programs do.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("uprobe")
int floor_tls_enter(void *ctx) { return 0; }

SEC("uretprobe")
int floor_tls_exit(void *ctx) { return 0; }
