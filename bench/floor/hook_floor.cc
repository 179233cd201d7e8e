// hook_floor: attaches bench/floor/floor.bpf.c (the agent's hooks with empty programs), prints
// "attached N programs" once they are all attached, and holds them until SIGINT or SIGTERM.
// The benchmark's "floor": what the hooks cost with no work behind them.
#include <bpf/libbpf.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#ifdef HOOK_FLOOR_RAW
#include "floor_raw.skel.h"
#define hl_floor hl_floor_raw
#define hl_floor__open_and_load hl_floor_raw__open_and_load
#define hl_floor__attach hl_floor_raw__attach
#define hl_floor__destroy hl_floor_raw__destroy
#else
#include "floor.skel.h"
#endif

int main() {
  // Blocked before anything else, then waited for: no signal is lost between checks.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  hl_floor* skel = hl_floor__open_and_load();
  if (skel == nullptr) {
    std::fprintf(stderr, "hook_floor: failed to load floor.bpf.o: %s\n", std::strerror(errno));
    return 1;
  }
  if (int err = hl_floor__attach(skel); err != 0) {
    std::fprintf(stderr, "hook_floor: failed to attach programs: %s\n", std::strerror(-err));
    hl_floor__destroy(skel);
    return 1;
  }
  int programs = 0;
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel->obj) ++programs;
  std::printf("attached %d programs\n", programs);
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  hl_floor__destroy(skel);
  return 0;
}
