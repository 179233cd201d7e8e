#include "agent/tls/x86_returns.h"

#include <capstone/capstone.h>

#include <string_view>

namespace hostlens::tls {

std::optional<std::vector<uint64_t>> FindX86Returns(std::string_view code) {
  csh handle = 0;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return std::nullopt;
  cs_insn* insn = cs_malloc(handle);
  if (!insn) {
    cs_close(&handle);
    return std::nullopt;
  }
  std::vector<uint64_t> returns;
  const auto* bytes = reinterpret_cast<const uint8_t*>(code.data());
  size_t left = code.size();
  uint64_t address = 0;  // offset of the next instruction
  while (left > 0 && cs_disasm_iter(handle, &bytes, &left, &address, insn)) {
    if (insn->id == X86_INS_RET) returns.push_back(insn->address);
  }
  const bool decoded_all = left == 0;
  cs_free(insn, 1);
  cs_close(&handle);
  if (!decoded_all) return std::nullopt;
  return returns;
}

std::optional<uint64_t> FindGoBodyStart(std::string_view code) {
  csh handle = 0;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return std::nullopt;
  cs_insn* insn = cs_malloc(handle);
  if (!insn) {
    cs_close(&handle);
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(code.data());
  size_t left = code.size();
  uint64_t address = 0;
  std::optional<uint64_t> body = 0;
  bool compared = false;  // the bound in g (R14 + 0x10) was just compared
  for (int i = 0; i < 3 && left > 0; ++i) {
    if (!cs_disasm_iter(handle, &bytes, &left, &address, insn)) {
      body = std::nullopt;
      break;
    }
    const std::string_view mnemonic = insn->mnemonic, operands = insn->op_str;
    if (compared) {
      if (insn->id == X86_INS_JBE || insn->id == X86_INS_JB) body = address;  // after the jump
      break;
    }
    if (mnemonic == "cmp") {
      if (operands.find("[r14 + 0x10]") == std::string_view::npos) break;
      compared = true;
    } else if (mnemonic != "lea" || !operands.starts_with("r12, [rsp")) {
      break;
    }
  }
  cs_free(insn, 1);
  cs_close(&handle);
  return body;
}

}  // namespace hostlens::tls
