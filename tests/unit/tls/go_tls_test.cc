#include "agent/tls/go_tls.h"

#include <gtest/gtest.h>

#include <string>

#include "files.h"
#include "go_blob.h"

namespace hostlens::tls {
namespace {

// A Go file in miniature: the build-info blob at 0, Read's code at 256, Write's at 512.
struct MiniGo {
  std::string file;
  ElfFacts facts;
  TlsFile tls;
};

MiniGo Make(const std::string& version, const std::string& read_code,
            const std::string& write_code) {
  MiniGo go;
  const std::string blob = InlineGoBuildInfo(version);
  go.file = blob + std::string(256 - blob.size(), '\0') + read_code +
            std::string(256 - read_code.size(), '\xcc') + write_code;
  go.facts.has_go_buildinfo = true;
  go.facts.has_symtab = true;
  go.facts.go_buildinfo = {0, blob.size()};
  go.facts.machine = kElfMachineX86_64;
  go.facts.symbols["crypto/tls.(*Conn).Read"] = {0x401100, read_code.size(), 256};
  go.facts.symbols["crypto/tls.(*Conn).Write"] = {0x401200, write_code.size(), 512};
  std::string why;
  auto tls = ClassifyTlsFile(go.facts, &why);
  EXPECT_TRUE(tls.has_value());
  if (tls) go.tls = *tls;
  return go;
}

// add rsp, 0x18; pop rbp; ret; mov eax, 0xc3; ret
const std::string kTwoReturns("\x48\x83\xc4\x18\x5d\xc3\xb8\xc3\x00\x00\x00\xc3", 12);
// Go 1.19's stack checks, as in its crypto/tls.(*Conn).Read and Write: cmp rsp, [r14 + 0x10];
// jbe; and lea r12, [rsp - 0x68]; cmp r12, [r14 + 0x10]; jbe.
const std::string kSmallFrameCheck("\x49\x3b\x66\x10\x0f\x86\xc2\x03\x00\x00", 10);
const std::string kLargeFrameCheck(
    "\x4c\x8d\x64\x24\x98\x4d\x3b\x66\x10\x0f\x86\x64\x07\x00\x00", 15);

// Read: its entry after the stack check, every RET. Write: its entry after the stack check, no
// return probes (its plaintext is sent at entry).
TEST(GoTls, EntriesAfterTheStackCheckAndEveryReturnOfReadByFileOffset) {
  MiniGo go = Make("go1.19.8", kSmallFrameCheck + kTwoReturns, kLargeFrameCheck + kTwoReturns);
  ASSERT_EQ(go.tls.library, TlsLibrary::kGo);
  ASSERT_EQ(PrepareGoTls(go.file, go.facts, &go.tls), std::nullopt);
  ASSERT_EQ(go.tls.functions.size(), 2u);
  EXPECT_FALSE(go.tls.functions[0].write);
  EXPECT_EQ(go.tls.functions[0].entry_offset, 256u + 10);
  EXPECT_EQ(go.tls.functions[0].return_offsets,
            (std::vector<uint64_t>{256 + 10 + 5, 256 + 10 + 11}));
  EXPECT_TRUE(go.tls.functions[1].write);
  EXPECT_EQ(go.tls.functions[1].entry_offset, 512u + 15);
  EXPECT_TRUE(go.tls.functions[1].return_offsets.empty());
  // No stack check (a function that cannot grow its stack): the entry is the first instruction.
  MiniGo leaf = Make("go1.19.8", kTwoReturns, std::string("\xc3", 1));
  ASSERT_EQ(PrepareGoTls(leaf.file, leaf.facts, &leaf.tls), std::nullopt);
  EXPECT_EQ(leaf.tls.functions[0].entry_offset, 256u);
  EXPECT_EQ(leaf.tls.functions[1].entry_offset, 512u);
  MiniGo go117 = Make("go1.17", kTwoReturns, kTwoReturns);
  EXPECT_EQ(PrepareGoTls(go117.file, go117.facts, &go117.tls), std::nullopt);
}

TEST(GoTls, StackAbiAndUnreadableVersionsAreNotProbed) {
  MiniGo go116 = Make("go1.16.15", kTwoReturns, kTwoReturns);
  auto why = PrepareGoTls(go116.file, go116.facts, &go116.tls);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->uncovered, "unsupported_go_version");
  EXPECT_EQ(why->reason, "go1.16.15 passes arguments on the stack; Go 1.17+ is probed");
  EXPECT_FALSE(why->failed);

  MiniGo unknown = Make("go1.19.8", kTwoReturns, kTwoReturns);
  unknown.facts.go_buildinfo = {0, 10};  // cut before the version
  why = PrepareGoTls(unknown.file, unknown.facts, &unknown.tls);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->uncovered, "unsupported_go_version");
  unknown.facts.go_buildinfo = {1u << 30, 64};  // outside the file
  EXPECT_EQ(PrepareGoTls(unknown.file, unknown.facts, &unknown.tls)->uncovered,
            "unsupported_go_version");
}

TEST(GoTls, Arm64IsNotProbed) {
  MiniGo go = Make("go1.19.8", kTwoReturns, kTwoReturns);
  go.facts.machine = kElfMachineAarch64;
  auto why = PrepareGoTls(go.file, go.facts, &go.tls);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->uncovered, "unsupported_arch");
}

TEST(GoTls, CodeThatDoesNotDecodeOrHasNoReturnFails) {
  MiniGo cut = Make("go1.19.8", kTwoReturns.substr(0, 8), kTwoReturns);  // mov cut short
  auto why = PrepareGoTls(cut.file, cut.facts, &cut.tls);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->uncovered, "attach_failed");
  EXPECT_TRUE(why->failed);
  EXPECT_EQ(why->reason, "crypto/tls.(*Conn).Read: code does not decode");

  MiniGo no_ret = Make("go1.19.8", std::string("\x5d\x90", 2), kTwoReturns);
  why = PrepareGoTls(no_ret.file, no_ret.facts, &no_ret.tls);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->reason, "crypto/tls.(*Conn).Read: no RET found");
  // Write's first instructions do not decode: its entry cannot be placed.
  MiniGo bad_write = Make("go1.19.8", kTwoReturns, std::string("\x06\xc3", 2));
  why = PrepareGoTls(bad_write.file, bad_write.facts, &bad_write.tls);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->reason, "crypto/tls.(*Conn).Write: code does not decode");

  MiniGo outside = Make("go1.19.8", kTwoReturns, kTwoReturns);
  outside.tls.functions[1].where.file_offset = outside.file.size() - 2;
  why = PrepareGoTls(outside.file, outside.facts, &outside.tls);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->reason, "crypto/tls.(*Conn).Write: code outside the file");
}

// Debian's go command is built stripped: a Go binary, and nothing to find its functions by.
TEST(GoTls, DebiansStrippedGoCommandHasNoSymbols) {
  const std::string path = "/usr/lib/go-1.19/bin/go";
  const std::string file = ReadFile(path);
  if (file.empty()) GTEST_SKIP() << path << " not installed (scripts/install-deps.sh)";
  auto facts = ReadElfSymbols(file, TlsSymbolNames());
  ASSERT_TRUE(facts.has_value());
  EXPECT_FALSE(facts->has_symtab);
  std::string why;
  TlsLibrary which = TlsLibrary::kOpenssl;
  EXPECT_FALSE(ClassifyTlsFile(*facts, &why, &which).has_value());
  EXPECT_EQ(why, "go binary without symbols");
  EXPECT_EQ(which, TlsLibrary::kGo);
}

}  // namespace
}  // namespace hostlens::tls
