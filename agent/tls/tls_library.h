#pragma once

// Which TLS implementation an ELF file carries, told by its symbols rather than its name (a
// Python wheel's libssl-<hash>.so.3 and an nginx linked statically with OpenSSL are OpenSSL
// too), and which of its functions the probes attach to.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/tls/elf_symbols.h"

namespace hostlens::tls {

enum class TlsLibrary { kOpenssl, kGnutls, kGo };

std::string_view TlsLibraryName(TlsLibrary library);  // "openssl", "gnutls", "go"

// One function to probe, and what it does.
struct TlsFunction {
  std::string symbol;
  bool write = false;  // plaintext out (else in)
  bool ex = false;     // OpenSSL's *_ex form: the byte count comes back through a pointer
  // SSL_do_handshake, gnutls_handshake: no plaintext; probed for the socket it uses, so that
  // data it buffered and a later read returns without a syscall lands on its connection.
  bool handshake = false;
  ElfSymbol where;
  // Go: the file offsets of every RET of the function, where its return probes go (go_tls.h);
  // empty for the C libraries, whose returns are uretprobes, and for Go's Write.
  std::vector<uint64_t> return_offsets;
  // Go: where the entry probe goes, after the stack check (x86_returns.h); else 0: at `where`.
  uint64_t entry_offset = 0;
};

struct TlsFile {
  TlsLibrary library = TlsLibrary::kOpenssl;
  std::vector<TlsFunction> functions;
};

// Every symbol ClassifyTlsFile may need: what ReadElfSymbols is asked for.
const std::vector<std::string>& TlsSymbolNames();

// The TLS implementation of a file, or nullopt when it has none that hostlens can probe.
// `*why_not` says why, for files that look like TLS but cannot be probed (for example a Go binary
// without a symbol table, or OpenSSL linked into a stripped executable), and `*which` (when
// given) which library that is; `*why_not` is left empty for files that simply have no TLS.
std::optional<TlsFile> ClassifyTlsFile(const ElfFacts& facts, std::string* why_not,
                                       TlsLibrary* which = nullptr);

}  // namespace hostlens::tls
