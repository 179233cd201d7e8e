#include "agent/tls/x86_returns.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "agent/tls/elf_symbols.h"
#include "files.h"

// Compiled code with several returns and 0xc3 bytes inside other instructions, for the check
// against objdump below.
extern "C" __attribute__((noinline)) long HlReturnsFixture(long x) {
  if (x == 0xc3) return 0xc3c3;
  if (x > 1000) return x * 0xc3;
  return x + 1;
}

namespace hostlens::tls {
namespace {

using Offsets = std::vector<uint64_t>;

TEST(X86Returns, ReturnsAreFoundByDecodingNotByByteValue) {
  EXPECT_EQ(FindX86Returns(Bytes({0xc3})), Offsets{0});
  // mov eax, 0xc3; ret: the first c3 is an immediate.
  EXPECT_EQ(FindX86Returns(Bytes({0xb8, 0xc3, 0x00, 0x00, 0x00, 0xc3})), Offsets{5});
  // ret 8; rep ret
  EXPECT_EQ(FindX86Returns(Bytes({0xc2, 0x08, 0x00, 0xf3, 0xc3})), (Offsets{0, 3}));
  // Go's epilogue: add rsp, 0x18; pop rbp; ret. Then test rax, rax; je +1; ret; ret.
  EXPECT_EQ(FindX86Returns(Bytes({0x48, 0x83, 0xc4, 0x18, 0x5d, 0xc3, 0x48, 0x85, 0xc0, 0x74,
                                  0x01, 0xc3, 0xc3})),
            (Offsets{5, 11, 12}));
  // lea rax, [rip + 0xc3]; int3 padding: no return at all.
  EXPECT_EQ(FindX86Returns(Bytes({0x48, 0x8d, 0x05, 0xc3, 0x00, 0x00, 0x00, 0xcc, 0xcc})),
            Offsets{});
  EXPECT_EQ(FindX86Returns(""), Offsets{});
}

TEST(X86Returns, UndecodableCodeIsRefused) {
  // 0x06 (push es) does not exist in 64-bit mode.
  EXPECT_EQ(FindX86Returns(Bytes({0xc3, 0x06, 0xc3})), std::nullopt);
}

// Cut anywhere: whole instructions give the returns among them, a cut instruction nothing.
TEST(X86Returns, EveryPrefixIsWholeInstructionsOrRefused) {
  const std::string code = Bytes({0x48, 0x83, 0xc4, 0x18, 0x5d, 0xb8, 0xc3, 0x00, 0x00, 0x00,
                                  0xc3, 0xc2, 0x10, 0x00});
  const std::map<size_t, Offsets> boundaries = {{0, {}},  {4, {}},      {5, {}},
                                                {10, {}}, {11, {10}}, {14, {10, 11}}};
  for (size_t n = 0; n <= code.size(); ++n) {
    const std::string prefix = code.substr(0, n);  // its own allocation: ASan sees overreads
    auto found = boundaries.find(n);
    if (found == boundaries.end()) {
      EXPECT_EQ(FindX86Returns(prefix), std::nullopt) << n;
    } else {
      EXPECT_EQ(FindX86Returns(prefix), found->second) << n;
    }
  }
}

// Go's stack checks, small and large frame (from Go 1.19's crypto/tls), and what is not one.
TEST(GoBodyStart, AfterTheStackCheck) {
  EXPECT_EQ(FindGoBodyStart(Bytes({0x49, 0x3b, 0x66, 0x10, 0x0f, 0x86, 0xc2, 0x03, 0x00, 0x00,
                                   0x48, 0x83, 0xec, 0x68})),
            10u);
  EXPECT_EQ(FindGoBodyStart(Bytes({0x4c, 0x8d, 0x64, 0x24, 0x98, 0x4d, 0x3b, 0x66, 0x10, 0x0f,
                                   0x86, 0x64, 0x07, 0x00, 0x00, 0x90})),
            15u);
  // cmp rsp, [r14 + 0x10]; jbe rel8
  EXPECT_EQ(FindGoBodyStart(Bytes({0x49, 0x3b, 0x66, 0x10, 0x76, 0x10, 0xc3})), 6u);
  // No check: a leaf function; a compare with something else; a check without its jump.
  EXPECT_EQ(FindGoBodyStart(Bytes({0x48, 0x83, 0xc4, 0x18, 0x5d, 0xc3})), 0u);
  EXPECT_EQ(FindGoBodyStart(Bytes({0x49, 0x3b, 0x66, 0x18, 0x76, 0x10, 0xc3})), 0u);
  EXPECT_EQ(FindGoBodyStart(Bytes({0x49, 0x3b, 0x66, 0x10, 0x90, 0xc3})), 0u);
  EXPECT_EQ(FindGoBodyStart(""), 0u);
  // Cut inside the jump: refused.
  EXPECT_EQ(FindGoBodyStart(Bytes({0x49, 0x3b, 0x66, 0x10, 0x0f, 0x86, 0xc2})), std::nullopt);
}

// The compiler's own code, against binutils' disassembler (the independent reference).
TEST(X86Returns, AgreesWithObjdumpOnCompiledCode) {
  ASSERT_EQ(HlReturnsFixture(1), 2);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const std::string file = ReadFile(self);
  auto facts = ReadElfSymbols(file, {"HlReturnsFixture"});
  ASSERT_TRUE(facts.has_value());
  auto symbol = facts->symbols.find("HlReturnsFixture");
  ASSERT_NE(symbol, facts->symbols.end());
  auto found = FindX86Returns(std::string_view(file).substr(symbol->second.file_offset,
                                                            symbol->second.size));
  ASSERT_TRUE(found.has_value());

  Offsets reference;
  const std::string command = "objdump -d --no-show-raw-insn --disassemble=HlReturnsFixture '" +
                              self + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::array<char, 512> line{};
  while (fgets(line.data(), line.size(), pipe.get())) {
    std::istringstream fields(line.data());
    std::string address, mnemonic;
    if (!(fields >> address >> mnemonic) || address.back() != ':') continue;
    if (mnemonic == "ret" || mnemonic == "retq" || mnemonic == "repz") {
      reference.push_back(std::stoull(address, nullptr, 16) - symbol->second.address);
    }
  }
  if (reference.empty()) GTEST_SKIP() << "objdump (binutils) not installed";
  EXPECT_EQ(*found, reference);
}

}  // namespace
}  // namespace hostlens::tls
