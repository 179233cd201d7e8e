#pragma once

// Go's crypto/tls inside an executable: whether its probes can be placed, and where
// (*Conn).Read and (*Conn).Write return.
//
// Go's return values are read by uprobes on the functions' RET instructions, never by
// uretprobes. A uretprobe replaces the return address on the stack with a trampoline's; the
// Go runtime copies goroutine stacks to grow them and walks them (stack growth, GC, panics,
// tracebacks), and a return address it does not know makes it throw ("unexpected return pc")
// and kill the program. A uprobe on a RET leaves the stack as it is. So each function's code is
// decoded (x86_returns.h) and every RET of Read is probed; the goroutine (g, in R14 on amd64 at
// entry and at every RET) ties a return to its call. Write needs no return probe: its plaintext
// is all of its argument, sent at entry. Entry probes go after the stack check, so a call whose
// stack grows (morestack restarts the function) is seen once.

#include <optional>
#include <string>
#include <string_view>

#include "agent/tls/elf_symbols.h"
#include "agent/tls/tls_library.h"

namespace hostlens::tls {

// Why a Go file's crypto/tls is not probed.
struct GoNotProbed {
  std::string uncovered;  // hostlens_tls_uncovered_connections_total's reason
  std::string reason;     // one line for /api/v1/status
  bool failed = false;    // the file is fine, the agent could not place the probes
};

// Fills in the entry and return offsets of `tls`'s functions (a kGo TlsFile of `file`), or
// says why the file is not probed: not amd64 (`unsupported_arch`), built before Go 1.17 (stack ABI) or with a
// version that cannot be read (`unsupported_go_version`), code that does not decode
// (`attach_failed`).
std::optional<GoNotProbed> PrepareGoTls(std::string_view file, const ElfFacts& facts,
                                        TlsFile* tls);

}  // namespace hostlens::tls
