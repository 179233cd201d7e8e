#include "agent/tls/x86_entry.h"

#include <gtest/gtest.h>

#include <string>

#include "files.h"

namespace hostlens::tls {
namespace {

// The instructions the kernel emulates at a function's entry, and those it single-steps.
TEST(X86Entry, EmulatedFirstInstructions) {
  // push r13; push r12 (ssl_read_internal)
  EXPECT_EQ(FindEmulatedEntry(Bytes({0x41, 0x55, 0x41, 0x54})), 0u);
  EXPECT_EQ(FindEmulatedEntry(Bytes({0x55, 0x48, 0x89, 0xe5})), 0u);  // push rbp; mov rbp, rsp
  EXPECT_EQ(FindEmulatedEntry(Bytes({0x90, 0xc3})), 0u);              // nop
  // endbr64 (CET builds) changes no register: the push after it.
  EXPECT_EQ(FindEmulatedEntry(Bytes({0xf3, 0x0f, 0x1e, 0xfa, 0x41, 0x57})), 4u);
  EXPECT_EQ(FindEmulatedEntry(Bytes({0x48, 0x83, 0xec, 0x18})), std::nullopt);  // sub rsp, 0x18
  EXPECT_EQ(FindEmulatedEntry(Bytes({0x48, 0x89, 0xf8, 0xc3})), std::nullopt);  // mov rax, rdi
  EXPECT_EQ(FindEmulatedEntry(Bytes({0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x83, 0xec, 0x08})),
            std::nullopt);
  EXPECT_EQ(FindEmulatedEntry(Bytes({0xf3, 0x0f, 0x1e, 0xfa})), std::nullopt);  // cut short
  EXPECT_EQ(FindEmulatedEntry(Bytes({0x41})), std::nullopt);
  EXPECT_EQ(FindEmulatedEntry(""), std::nullopt);
}

// Debian 12's libssl 3.0 SSL_read_ex at 0x354c0: sub rsp, 8; call ssl_read_internal (0x35290).
const std::string kSslReadEx = Bytes({0x48, 0x83, 0xec, 0x08, 0xe8, 0xc7, 0xfd, 0xff, 0xff, 0x31,
                                      0xd2, 0x85, 0xc0, 0x0f, 0x48, 0xc2, 0x48, 0x83, 0xc4, 0x08,
                                      0xc3});
// Its SSL_read at 0x35430: the stack protector, a check of num < 0, rcx = &readbytes, the call.
const std::string kSslRead = Bytes({0x48, 0x83, 0xec, 0x18, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28,
                                    0x00, 0x00, 0x00, 0x48, 0x89, 0x44, 0x24, 0x08, 0x31, 0xc0,
                                    0x85, 0xd2, 0x78, 0x2f, 0x48, 0x89, 0xe1, 0x48, 0x63, 0xd2,
                                    0xe8, 0x3d, 0xfe, 0xff, 0xff, 0x85, 0xc0});

TEST(X86Entry, WrappedCallOfOpensslsWrappers) {
  EXPECT_EQ(FindWrappedCall(kSslReadEx, 0x354c0, true), 0x35290u);
  EXPECT_EQ(FindWrappedCall(kSslRead, 0x35430, false), 0x35290u);
  // SSL_read changes rcx and rdx before its call: it does not forward its arguments.
  EXPECT_EQ(FindWrappedCall(kSslRead, 0x35430, true), std::nullopt);
}

TEST(X86Entry, WrappedCallTargets) {
  // A tail jump, rel32 and rel8, backwards.
  EXPECT_EQ(FindWrappedCall(Bytes({0xe9, 0xfb, 0xff, 0xff, 0xff}), 0x1000, true), 0x1000u);
  EXPECT_EQ(FindWrappedCall(Bytes({0x90, 0xeb, 0xfd}), 0x2000, true), 0x2000u);
  // endbr64; push rbx; call +0x10
  EXPECT_EQ(FindWrappedCall(Bytes({0xf3, 0x0f, 0x1e, 0xfa, 0x53, 0xe8, 0x10, 0x00, 0x00, 0x00}),
                            0x100, true),
            0x11au);
}

TEST(X86Entry, NoWrappedCall) {
  // mov rdx, rsi before the call: not forwarded.
  EXPECT_EQ(FindWrappedCall(Bytes({0x48, 0x89, 0xf2, 0xe8, 0x00, 0x00, 0x00, 0x00}), 0, true),
            std::nullopt);
  // A return first; an indirect call (call rax); an indirect jump (jmp [rip+0]).
  EXPECT_EQ(FindWrappedCall(Bytes({0xc3, 0xe8, 0x00, 0x00, 0x00, 0x00}), 0, false), std::nullopt);
  EXPECT_EQ(FindWrappedCall(Bytes({0xff, 0xd0}), 0, false), std::nullopt);
  EXPECT_EQ(FindWrappedCall(Bytes({0xff, 0x25, 0x00, 0x00, 0x00, 0x00}), 0, false), std::nullopt);
  // No call at all, undecodable bytes, nothing.
  EXPECT_EQ(FindWrappedCall(Bytes({0x90, 0x90}), 0, false), std::nullopt);
  EXPECT_EQ(FindWrappedCall(Bytes({0x06, 0xe8, 0x00, 0x00, 0x00, 0x00}), 0, false), std::nullopt);
  EXPECT_EQ(FindWrappedCall("", 0, false), std::nullopt);
}

// Cut anywhere before the call's last byte: no target; from there on, the target.
TEST(X86Entry, EveryPrefixOfAWrapper) {
  for (size_t n = 0; n <= kSslRead.size(); ++n) {
    const std::string prefix = kSslRead.substr(0, n);  // its own allocation: ASan sees overreads
    const auto found = FindWrappedCall(prefix, 0x35430, false);
    if (n < 35) {
      EXPECT_EQ(found, std::nullopt) << n;
    } else {
      EXPECT_EQ(found, 0x35290u) << n;
    }
  }
}

}  // namespace
}  // namespace hostlens::tls
