#include "agent/tls/x86_returns.h"

#include <string_view>

#include "agent/tls/x86_decoder.h"

namespace hostlens::tls {

std::optional<std::vector<uint64_t>> FindX86Returns(std::string_view code) {
  X86Decoder decoder(code);
  if (!decoder.ok()) return std::nullopt;
  std::vector<uint64_t> returns;
  while (const cs_insn* insn = decoder.Next()) {
    if (insn->id == X86_INS_RET) returns.push_back(insn->address);
  }
  if (decoder.left() > 0) return std::nullopt;
  return returns;
}

std::optional<uint64_t> FindGoBodyStart(std::string_view code) {
  X86Decoder decoder(code);
  if (!decoder.ok()) return std::nullopt;
  bool compared = false;  // the bound in g (R14 + 0x10) was just compared
  for (int i = 0; i < 3; ++i) {
    const cs_insn* insn = decoder.Next();
    if (!insn) return decoder.left() > 0 ? std::nullopt : std::optional<uint64_t>(0);
    const std::string_view mnemonic = insn->mnemonic, operands = insn->op_str;
    if (compared) {
      // After the jump to morestack.
      return insn->id == X86_INS_JBE || insn->id == X86_INS_JB ? decoder.offset() : 0;
    }
    if (mnemonic == "cmp") {
      if (operands.find("[r14 + 0x10]") == std::string_view::npos) return 0;
      compared = true;
    } else if (mnemonic != "lea" || !operands.starts_with("r12, [rsp")) {
      return 0;
    }
  }
  return 0;
}

}  // namespace hostlens::tls
