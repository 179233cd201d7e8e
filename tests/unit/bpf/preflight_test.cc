#include "agent/bpf/preflight.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace hostlens::bpf {
namespace {

constexpr unsigned long long Cap(int n) { return 1ULL << n; }
constexpr unsigned long long kRoot = ~0ULL >> 23;  // CapEff of root: caps 0..40

TEST(Preflight, RootWithBtfPasses) { EXPECT_FALSE(CheckPrivileges({kRoot, true})); }

TEST(Preflight, BpfAndPerfmonWithPtraceSuffice) {
  EXPECT_FALSE(CheckPrivileges({Cap(39) | Cap(38) | Cap(19), true}));
}

TEST(Preflight, NoCapabilitiesSaysWhatIsMissingAndHowToGrant) {
  auto error = CheckPrivileges({0, true});
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("CAP_BPF"), std::string::npos);
  EXPECT_NE(error->message.find("setcap"), std::string::npos);
  EXPECT_EQ(error->message.find('\n'), std::string::npos);
}

TEST(Preflight, BpfWithoutPerfmonIsNotEnough) {
  EXPECT_TRUE(CheckPrivileges({Cap(39) | Cap(19), true}));
}

TEST(Preflight, WithoutPtraceCannotReadOtherProcesses) {
  auto error = CheckPrivileges({Cap(21), true});
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("CAP_SYS_PTRACE"), std::string::npos);
}

TEST(Preflight, MissingBtf) {
  auto error = CheckPrivileges({kRoot, false});
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("/sys/kernel/btf/vmlinux"), std::string::npos);
}

TEST(Preflight, RefusedSyscallIsExplained) {
  auto error = DescribeBpfFailure("load BPF object process", -EPERM);
  EXPECT_EQ(error.message.rfind("failed to load BPF object process: ", 0), 0u);
  EXPECT_NE(error.message.find("unprivileged_bpf_disabled"), std::string::npos);
}

TEST(Preflight, VerifierRefusalAtLoadPointsToTheVerifierLog) {
  // EACCES: the verifier's refusal; EINVAL: e.g. 5.10's "BPF_STX uses reserved fields".
  for (int err : {-EACCES, -EINVAL}) {
    auto error = DescribeBpfFailure("load BPF object data", err);
    EXPECT_EQ(error.message.rfind("failed to load BPF object data: ", 0), 0u);
    EXPECT_NE(error.message.find("verifier's log"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("setcap"), std::string::npos);
  }
}

}  // namespace
}  // namespace hostlens::bpf
