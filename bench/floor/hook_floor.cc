// hook_floor: attaches bench/floor/floor.bpf.c (the agent's hooks with empty programs), prints
// "attached N programs" once they are all attached, and holds them until SIGINT or SIGTERM.
// The benchmark's "floor": what the hooks cost with no work behind them. Like the agent, it
// leaves out the read and write syscalls' enter hooks where the kernel has bpf_task_pt_regs
// (agent/bpf/features.cc): the agent's exit programs read the arguments there.
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string_view>

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
#ifdef HOOK_FLOOR_RAW
  hl_floor* skel = hl_floor__open_and_load();
#else
  hl_floor* skel = hl_floor__open();
  if (skel != nullptr &&
      libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_task_pt_regs, nullptr) == 1) {
    bpf_program* prog;
    bpf_object__for_each_program(prog, skel->obj) {
      const std::string_view section = bpf_program__section_name(prog);
      if (section.find("/sys_enter_") != std::string_view::npos &&
          section.find("connect") == std::string_view::npos &&
          section.find("close") == std::string_view::npos) {
        bpf_program__set_autoload(prog, false);
      }
    }
  }
  if (skel != nullptr && hl_floor__load(skel) != 0) {
    hl_floor__destroy(skel);
    skel = nullptr;
  }
#endif
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
  bpf_object__for_each_program(prog, skel->obj) programs += bpf_program__autoload(prog) ? 1 : 0;
  std::printf("attached %d programs\n", programs);
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  hl_floor__destroy(skel);
  return 0;
}
