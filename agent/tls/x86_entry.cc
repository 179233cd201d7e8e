#include "agent/tls/x86_entry.h"

#include <string_view>

#include "agent/tls/x86_decoder.h"

namespace hostlens::tls {
namespace {

constexpr int kMaxInstructions = 32;

bool IsEndbr64(const cs_insn& insn) { return insn.id == X86_INS_ENDBR64; }

// push r64: 50+r, or 41 50+r for r8-r15 (what arch/x86/kernel/uprobes.c emulates), and the
// one-byte nop.
bool IsEmulated(const cs_insn& insn) {
  const uint8_t* b = insn.bytes;
  if (insn.size == 1) return (b[0] >= 0x50 && b[0] <= 0x57) || b[0] == 0x90;
  return insn.size == 2 && b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57;
}

// sub rsp, imm8 / imm32
bool IsStackReserve(const cs_insn& insn) {
  const uint8_t* b = insn.bytes;
  return (insn.size == 4 && b[0] == 0x48 && b[1] == 0x83 && b[2] == 0xec) ||
         (insn.size == 7 && b[0] == 0x48 && b[1] == 0x81 && b[2] == 0xec);
}

int32_t Rel32(const uint8_t* b) {
  return static_cast<int32_t>(static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
                              static_cast<uint32_t>(b[2]) << 16 |
                              static_cast<uint32_t>(b[3]) << 24);
}

// The target of a direct call or jmp (e8/e9 rel32, eb rel8); nullopt for anything else.
std::optional<uint64_t> DirectTarget(const cs_insn& insn) {
  const uint8_t* b = insn.bytes;
  const uint64_t next = insn.address + insn.size;
  if (insn.size == 5 && (b[0] == 0xe8 || b[0] == 0xe9)) return next + Rel32(b + 1);
  if (insn.size == 2 && b[0] == 0xeb) return next + static_cast<int8_t>(b[1]);
  return std::nullopt;
}

// jcc, jrcxz and loop: they may or may not be taken.
bool IsConditionalJump(const cs_insn& insn) {
  const std::string_view mnemonic = insn.mnemonic;
  return (mnemonic.starts_with("j") && mnemonic != "jmp") || mnemonic.starts_with("loop");
}

}  // namespace

std::optional<uint64_t> FindEmulatedEntry(std::string_view code) {
  X86Decoder decoder(code);
  if (!decoder.ok()) return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    const cs_insn* insn = decoder.Next();
    if (!insn) return std::nullopt;
    if (IsEndbr64(*insn)) continue;
    if (IsEmulated(*insn)) return insn->address;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<uint64_t> FindWrappedCall(std::string_view code, uint64_t address,
                                        bool forwards_arguments) {
  X86Decoder decoder(code, address);
  if (!decoder.ok()) return std::nullopt;
  for (int i = 0; i < kMaxInstructions; ++i) {
    const cs_insn* insn = decoder.Next();
    if (!insn) return std::nullopt;
    if (insn->id == X86_INS_CALL || insn->id == X86_INS_JMP) return DirectTarget(*insn);
    if (insn->id == X86_INS_RET) return std::nullopt;
    if (forwards_arguments) {
      if (!IsEndbr64(*insn) && !IsEmulated(*insn) && !IsStackReserve(*insn)) return std::nullopt;
    } else if (IsConditionalJump(*insn)) {
      continue;  // to an error path, or past one: the fall-through is followed
    }
  }
  return std::nullopt;
}

}  // namespace hostlens::tls
