#pragma once

// The return instructions of one function's x86-64 machine code, where Go's return probes go
// (agent/tls/go_tls.h says why not uretprobes). The code is decoded instruction by instruction
// from its first byte with Capstone: a byte search for 0xc3 would also find it inside other
// instructions (an immediate, a displacement), and a uprobe's breakpoint there would change
// that instruction and break the program. Go puts no data between a function's instructions,
// so one linear sweep sees all of them. Pure.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hostlens::tls {

// Offsets from the start of `code` of every RET (near: c3, c2 imm16, with any prefix), in
// order. nullopt when some bytes do not decode as an instruction, the last one included (cut
// short): nothing of such a function is probed.
std::optional<std::vector<uint64_t>> FindX86Returns(std::string_view code);

// Where a Go function's body starts: after its stack-bound check, the first instructions
// `cmp rsp, [r14 + 0x10]` (or `lea r12, [rsp - N]; cmp r12, [r14 + 0x10]`) and the conditional
// jump to morestack. A probe there fires once per call: one on the first instruction fires
// again when the stack grows (morestack restarts the function). The arguments are still in
// their registers there (cmp and jcc change only the flags). 0 when the code has no such check
// (nothing restarts it); nullopt when its first instructions do not decode.
std::optional<uint64_t> FindGoBodyStart(std::string_view code);

}  // namespace hostlens::tls
