// libFuzzer target for finding TLS code (agent/tls): the /proc/PID/maps parser and the ELF
// symbol reader. The first byte picks the parser; for ELF the rest follows a valid 64-bit
// little-endian ident, so inputs reach the section and symbol tables. Checks: no crash, no
// sanitizer report, every mapping well-formed, every symbol's code inside the file.
//
// Build and run (60 s):
//   cmake -S . -B build-fuzz -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && \
//     cmake --build build-fuzz --target tls_fuzzer
//   ./scripts/run-fuzzer.sh build-fuzz/fuzz/tls_fuzzer 60

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/tls/elf_symbols.h"
#include "agent/tls/maps_parser.h"
#include "agent/tls/tls_library.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "check failed: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    if (auto mappings = hostlens::tls::ParseExecutableMappings(rest)) {
      for (const auto& m : *mappings) {
        Check(m.inode != 0 && !m.path.empty() && m.path[0] == '/', "mapping shape");
      }
    }
    return 0;
  }
  std::string file = std::string("\x7f" "ELF\x02\x01", 6) + std::string(rest);
  auto facts = hostlens::tls::ReadElfSymbols(file, hostlens::tls::TlsSymbolNames());
  if (!facts) return 0;
  for (const auto& [name, symbol] : facts->symbols) {
    Check(symbol.file_offset < file.size(), "symbol code inside the file");
  }
  std::string why;
  hostlens::tls::ClassifyTlsFile(*facts, &why);
  return 0;
}
