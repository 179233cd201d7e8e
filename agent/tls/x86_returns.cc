#include "agent/tls/x86_returns.h"

#include <capstone/capstone.h>

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

}  // namespace hostlens::tls
