#include "agent/tls/x86_returns.h"

#include <capstone/capstone.h>

#include <string_view>

namespace hostlens::tls {
namespace {

// A Capstone x86-64 decoder over `code`, one instruction at a time; closed when destroyed.
class Decoder {
 public:
  explicit Decoder(std::string_view code)
      : bytes_(reinterpret_cast<const uint8_t*>(code.data())), left_(code.size()) {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle_) != CS_ERR_OK) return;
    insn_ = cs_malloc(handle_);
  }
  ~Decoder() {
    if (insn_) cs_free(insn_, 1);
    if (handle_) cs_close(&handle_);
  }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  bool ok() const { return insn_ != nullptr; }
  // The next instruction, or null at the end or where the bytes do not decode (`left()` > 0).
  const cs_insn* Next() {
    if (left_ == 0 || !cs_disasm_iter(handle_, &bytes_, &left_, &address_, insn_)) return nullptr;
    return insn_;
  }
  size_t left() const { return left_; }
  uint64_t offset() const { return address_; }  // of the next instruction

 private:
  csh handle_ = 0;
  cs_insn* insn_ = nullptr;
  const uint8_t* bytes_;
  size_t left_;
  uint64_t address_ = 0;
};

}  // namespace

std::optional<std::vector<uint64_t>> FindX86Returns(std::string_view code) {
  Decoder decoder(code);
  if (!decoder.ok()) return std::nullopt;
  std::vector<uint64_t> returns;
  while (const cs_insn* insn = decoder.Next()) {
    if (insn->id == X86_INS_RET) returns.push_back(insn->address);
  }
  if (decoder.left() > 0) return std::nullopt;
  return returns;
}

std::optional<uint64_t> FindGoBodyStart(std::string_view code) {
  Decoder decoder(code);
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
