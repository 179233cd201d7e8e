// libFuzzer target for the procfs parsers (agent/host/): /proc/loadavg, /proc/meminfo,
// /proc/stat, /proc/PID/stat and /proc/net/tcp{,6}. The kernel writes these files, but a
// container's procfs, a FUSE mount (lxcfs) or a future kernel can write something else: whatever
// the bytes, no parser crashes, and what a parser accepts is within what the file can say.
//
// Every parser reads the whole input. Seeds: the files of tests/fixtures/proc (a real /proc).
//
// Build and run (60 s):
//   cmake -S . -B build-fuzz -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && cmake --build build-fuzz -t proc_fuzzer
//   ./scripts/run-fuzzer.sh build-fuzz/fuzz/proc_fuzzer 60

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/host/loadavg_parser.h"
#include "agent/host/meminfo_parser.h"
#include "agent/host/net_tcp_parser.h"
#include "agent/host/process_stat_parser.h"
#include "agent/host/stat_parser.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace hostlens::host;

  if (auto load = ParseLoadavg(text)) {
    FUZZ_CHECK(std::isfinite(load->load1) && std::isfinite(load->load5) &&
               std::isfinite(load->load15));
  }
  if (auto meminfo = ParseMeminfo(text)) {
    // One entry per line at most, each named by text of the input.
    FUZZ_CHECK(meminfo->size() <= size / 2 + 1);
    for (const auto& [name, value] : *meminfo) {
      FUZZ_CHECK(!name.empty() && text.find(name) != std::string_view::npos);
      (void)value;
    }
  }
  if (auto stat = ParseProcStat(text)) {
    FUZZ_CHECK(stat->cpus.size() <= size / 4 + 1);
  }
  if (auto process = ParseProcessStat(text)) {
    FUZZ_CHECK(process->comm.size() < size);
    FUZZ_CHECK(text.find(process->comm) != std::string_view::npos);
  }
  if (auto sockets = ParseListeningSockets(text)) {
    FUZZ_CHECK(sockets->size() <= size / 2 + 1);
  }
  return 0;
}
