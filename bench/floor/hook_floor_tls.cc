// hook_floor_tls [--exported] LIBSSL: attaches bench/floor/floor_tls.bpf.c's empty programs at
// entry and return of the OpenSSL functions the agent probes in the file LIBSSL, for every
// process that maps it, as the agent does: where the agent puts them (agent/tls: the internal
// read and write functions when their first instruction is one the kernel emulates, and
// SSL_do_handshake), or with --exported on SSL_read, SSL_write and their _ex forms themselves,
// the placement before that. Prints "attached N probes" and holds them until SIGINT or SIGTERM.
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "agent/tls/elf_symbols.h"
#include "agent/tls/openssl_tls.h"
#include "agent/tls/tls_library.h"
#include "floor_tls.skel.h"

namespace {

struct Site {
  std::string symbol;
  uint64_t offset;
};

// The functions the agent would probe in `path`, and where; empty when it is no OpenSSL.
std::vector<Site> Sites(const char* path, bool exported) {
  std::vector<Site> sites;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sites;
  struct stat st {};
  void* data = fstat(fd, &st) == 0 && st.st_size > 0
                   ? mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                   : MAP_FAILED;
  close(fd);
  if (data == MAP_FAILED) return sites;
  const std::string_view file(static_cast<const char*>(data), st.st_size);
  namespace tls = hostlens::tls;
  auto facts = tls::ReadElfSymbols(file, tls::TlsSymbolNames(), false);
  std::string why_not;
  auto found = facts ? tls::ClassifyTlsFile(*facts, &why_not) : std::nullopt;
  if (found && found->library == tls::TlsLibrary::kOpenssl) {
    if (!exported) tls::ProbeOpensslInternals(file, *facts, &*found);
    for (const auto& f : found->functions) {
      if (exported && f.handshake) continue;
      sites.push_back({f.symbol, f.where.file_offset});
    }
  }
  munmap(data, st.st_size);
  return sites;
}

}  // namespace

int main(int argc, char** argv) {
  const bool exported = argc == 3 && std::string_view(argv[1]) == "--exported";
  if (argc != 2 && !exported) {
    std::fprintf(stderr, "usage: hook_floor_tls [--exported] LIBSSL\n");
    return 2;
  }
  const char* path = argv[argc - 1];
  const std::vector<Site> sites = Sites(path, exported);
  if (sites.empty()) {
    std::fprintf(stderr, "hook_floor_tls: no OpenSSL functions to probe in %s\n", path);
    return 1;
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
  for (const Site& site : sites) {
    for (bpf_program* prog : {skel->progs.floor_tls_enter, skel->progs.floor_tls_exit}) {
      LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = prog == skel->progs.floor_tls_exit);
      bpf_link* link = bpf_program__attach_uprobe_opts(prog, -1, path, site.offset, &opts);
      if (!link) {
        std::fprintf(stderr, "hook_floor_tls: failed to attach to %s in %s: %s\n",
                     site.symbol.c_str(), path, std::strerror(errno));
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
