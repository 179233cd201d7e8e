#pragma once

// Where OpenSSL's reads and writes are probed. SSL_read and SSL_read_ex are both thin wrappers
// around one internal function (ssl_read_internal in ssl/ssl_lib.c, OpenSSL 1.1.1 and 3.x), and
// SSL_write and SSL_write_ex around ssl_write_internal; each takes the _ex arguments (SSL *,
// buf, num, size_t *bytes) and returns 1 on success. Probed there, a call is one breakpoint
// whatever the application calls, and it sits on the internal function's first push, which the
// kernel emulates instead of single-stepping (x86_entry.h: 1.3 µs a call against 10 µs on
// SSL_read's own first instruction, a sub). The functions are found by decoding the wrappers,
// never by name (the internal ones are not exported): both wrappers of a direction must call the
// same function, the _ex one with its arguments untouched, and that function must start with an
// emulated instruction; otherwise the exported functions stay probed as they are. Pure.

#include <string_view>

#include "agent/tls/elf_symbols.h"
#include "agent/tls/tls_library.h"

namespace hostlens::tls {

// Replaces, for each direction whose wrappers lead to one internal function as above, the
// exported pair in `tls->functions` by that function (an _ex-style probe, named
// ssl_read_internal or ssl_write_internal). `file` is the ELF file `facts` were read from.
// x86-64 only; other files are left as they are. Returns how many directions were replaced.
int ProbeOpensslInternals(std::string_view file, const ElfFacts& facts, TlsFile* tls);

}  // namespace hostlens::tls
