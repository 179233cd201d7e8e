// libFuzzer target for finding TLS code (agent/tls): the /proc/PID/maps parser, the ELF
// symbol reader with Go's preparation (version, RET offsets), Go's build-info parser and the
// x86-64 readers (RETs, emulated entries, wrapped calls) and the OpenSSL internals finder. The first byte picks the parser (odd: maps; 2 mod 4: Go's build info and
// RETs; else ELF); for ELF the rest follows a valid 64-bit little-endian ident, so inputs
// reach the section and symbol tables. Checks: no crash, no sanitizer report, every mapping
// well-formed, every symbol's code inside the file, every RET inside the code, in order, every
// probe offset inside the file.
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
#include "agent/tls/go_buildinfo.h"
#include "agent/tls/go_tls.h"
#include "agent/tls/maps_parser.h"
#include "agent/tls/openssl_tls.h"
#include "agent/tls/tls_library.h"
#include "agent/tls/x86_entry.h"
#include "agent/tls/x86_returns.h"

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
  if (data[0] & 2) {
    // The input is the section and also the memory its pointers lead to (address = offset).
    auto version = hostlens::tls::ParseGoBuildInfo(rest, [&](uint64_t at, uint64_t n) {
      return at <= rest.size() && rest.size() - at >= n ? rest.substr(at, n) : std::string_view{};
    });
    if (version) hostlens::tls::ParseGoRelease(*version);
    if (auto body = hostlens::tls::FindGoBodyStart(rest)) Check(*body <= rest.size(), "body start");
    if (auto entry = hostlens::tls::FindEmulatedEntry(rest)) Check(*entry < rest.size(), "entry");
    hostlens::tls::FindWrappedCall(rest, 0x400000, false);
    hostlens::tls::FindWrappedCall(rest, 0x400000, true);
    if (auto returns = hostlens::tls::FindX86Returns(rest)) {
      uint64_t previous = 0;
      for (size_t i = 0; i < returns->size(); ++i) {
        Check((*returns)[i] < rest.size() && (i == 0 || (*returns)[i] > previous), "RET order");
        previous = (*returns)[i];
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
  auto tls = hostlens::tls::ClassifyTlsFile(*facts, &why);
  if (tls && hostlens::tls::ProbeOpensslInternals(file, *facts, &*tls) > 0) {
    for (const auto& function : tls->functions) {
      Check(function.where.file_offset < file.size(), "internal function inside the file");
    }
  }
  if (tls && tls->library == hostlens::tls::TlsLibrary::kGo &&
      !hostlens::tls::PrepareGoTls(file, *facts, &*tls)) {
    for (const auto& function : tls->functions) {
      Check(function.entry_offset >= function.where.file_offset &&
                function.entry_offset - function.where.file_offset < function.where.size,
            "entry inside its function");
      for (uint64_t at : function.return_offsets) {
        Check(at >= function.where.file_offset &&
                  at - function.where.file_offset < function.where.size,
              "RET inside its function");
      }
    }
  }
  return 0;
}
