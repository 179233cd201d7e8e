// hook_floor_tls LIBSSL: attaches bench/floor/floor_tls.bpf.c's empty programs at entry and
// return of the OpenSSL functions the agent probes (SSL_read, SSL_write and their _ex forms) in
// the file LIBSSL, for every process that maps it, as the agent does; prints "attached N probes"
// and holds them until SIGINT or SIGTERM.
#include <bpf/libbpf.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <vector>

#include "floor_tls.skel.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: hook_floor_tls LIBSSL\n");
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  hl_floor_tls* skel = hl_floor_tls__open_and_load();
  if (skel == nullptr) {
    std::fprintf(stderr, "hook_floor_tls: failed to load floor_tls.bpf.o: %s\n",
                 std::strerror(errno));
    return 1;
  }
  std::vector<bpf_link*> links;
  int status = 0;
  for (const char* function : {"SSL_read", "SSL_write", "SSL_read_ex", "SSL_write_ex"}) {
    for (bpf_program* prog : {skel->progs.floor_tls_enter, skel->progs.floor_tls_exit}) {
      LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = prog == skel->progs.floor_tls_exit,
                  .func_name = function);
      bpf_link* link = bpf_program__attach_uprobe_opts(prog, -1, argv[1], 0, &opts);
      if (!link) {
        std::fprintf(stderr, "hook_floor_tls: failed to attach to %s in %s: %s\n", function,
                     argv[1], std::strerror(errno));
        status = 1;
        break;
      }
      links.push_back(link);
    }
    if (status) break;
  }
  if (!status) {
    std::printf("attached %zu probes\n", links.size());
    std::fflush(stdout);
    int signal = 0;
    sigwait(&stop, &signal);
  }
  for (bpf_link* link : links) bpf_link__destroy(link);
  hl_floor_tls__destroy(skel);
  return status;
}
