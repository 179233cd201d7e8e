#pragma once

// A Capstone x86-64 decoder over one piece of machine code, one instruction at a time; closed
// when destroyed. Shared by the readers of function code (x86_returns.h, x86_entry.h).

#include <capstone/capstone.h>

#include <cstdint>
#include <string_view>

namespace hostlens::tls {

class X86Decoder {
 public:
  // `address`: where `code` starts (instruction addresses, and so branch targets, count from it).
  explicit X86Decoder(std::string_view code, uint64_t address = 0)
      : bytes_(reinterpret_cast<const uint8_t*>(code.data())),
        left_(code.size()),
        address_(address) {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle_) != CS_ERR_OK) return;
    insn_ = cs_malloc(handle_);
  }
  ~X86Decoder() {
    if (insn_) cs_free(insn_, 1);
    if (handle_) cs_close(&handle_);
  }
  X86Decoder(const X86Decoder&) = delete;
  X86Decoder& operator=(const X86Decoder&) = delete;

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

}  // namespace hostlens::tls
