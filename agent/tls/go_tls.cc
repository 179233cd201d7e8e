#include "agent/tls/go_tls.h"

#include <algorithm>

#include "agent/tls/go_buildinfo.h"
#include "agent/tls/x86_returns.h"

namespace hostlens::tls {

std::optional<GoNotProbed> PrepareGoTls(std::string_view file, const ElfFacts& facts,
                                        TlsFile* tls) {
  if (facts.machine != kElfMachineX86_64) {
    // arm64's register ABI puts the arguments elsewhere, and its returns are not decoded here.
    return GoNotProbed{"unsupported_arch", "Go crypto/tls is probed on amd64 only"};
  }
  const std::string_view section = file.substr(
      std::min<uint64_t>(facts.go_buildinfo.offset, file.size()), facts.go_buildinfo.size);
  const auto version = ParseGoBuildInfo(section, [&](uint64_t address, uint64_t size) {
    return BytesAtAddress(file, facts, address, size);
  });
  const auto release = version ? ParseGoRelease(*version) : std::nullopt;
  if (!release) {
    return GoNotProbed{"unsupported_go_version", "the Go version of the file cannot be read"};
  }
  if (!HasRegisterAbi(*release)) {
    return GoNotProbed{"unsupported_go_version",
                       *version + " passes arguments on the stack; Go 1.17+ is probed"};
  }
  for (TlsFunction& function : tls->functions) {
    const ElfSymbol& at = function.where;
    if (at.file_offset > file.size() || file.size() - at.file_offset < at.size || at.size == 0) {
      return GoNotProbed{"attach_failed", function.symbol + ": code outside the file", true};
    }
    const std::string_view code = file.substr(at.file_offset, at.size);
    const auto body = FindGoBodyStart(code);
    if (!body || *body >= at.size) {
      return GoNotProbed{"attach_failed", function.symbol + ": code does not decode", true};
    }
    function.entry_offset = at.file_offset + *body;
    function.return_offsets.clear();
    // Write's plaintext is sent at its entry (go_tls.bpf.c says why): no return probes.
    if (function.write) continue;
    auto returns = FindX86Returns(code);
    if (!returns || returns->empty()) {
      return GoNotProbed{"attach_failed",
                         function.symbol + ": " + (returns ? "no RET found" : "code does not decode"),
                         true};
    }
    for (uint64_t offset : *returns) function.return_offsets.push_back(at.file_offset + offset);
  }
  return std::nullopt;
}

}  // namespace hostlens::tls
