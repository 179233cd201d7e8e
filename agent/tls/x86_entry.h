#pragma once

// Reading the first instructions of x86-64 functions, to place entry uprobes where they cost
// least. A uprobe's breakpoint is cheap when the kernel emulates the instruction under it (a push
// of a register or a one-byte nop, and direct branches: arch/x86/kernel/uprobes.c, push since
// Linux 6.11); any other instruction is single-stepped out of line, one more trap, a debug
// exception, which hypervisors intercept. Measured in this project's VM (6.18, AMD): a probe on a
// push costs 1.3 µs a call, on a sub, mov or endbr64 10-16 µs. Pure: bytes in.

#include <cstdint>
#include <optional>
#include <string_view>

namespace hostlens::tls {

// The offset in `code` (a function's first bytes) of its first instruction if the kernel
// emulates it, after any endbr64 (which changes no register): a push of a 64-bit register or a
// nop. The stack pointer and the argument registers are there as the caller left them, so a
// uretprobe there finds the return address. nullopt when the function starts otherwise.
std::optional<uint64_t> FindEmulatedEntry(std::string_view code);

// The target address of the first direct call (or tail jump) of the function whose code starts
// with `code` at `address`, its instructions read in order, conditional branches passed over.
// `forwards_arguments`: only endbr64, nop, push and `sub rsp, imm` may come before it, so the
// callee gets the caller's own arguments and stack unchanged. nullopt when a return, an
// indirect or unconditional branch elsewhere, or 32 instructions come first, or the bytes do
// not decode.
std::optional<uint64_t> FindWrappedCall(std::string_view code, uint64_t address,
                                        bool forwards_arguments);

}  // namespace hostlens::tls
