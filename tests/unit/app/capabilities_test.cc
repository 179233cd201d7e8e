// Which capabilities the running agent keeps (agent/app/capabilities.h, README "Privileges").
#include "agent/app/capabilities.h"

#include <gtest/gtest.h>

namespace hostlens::app {
namespace {

TEST(Capabilities, TheDocumentedFourAndNothingElseByDefault) {
  EXPECT_EQ(CapabilityNames(CapabilitiesToKeep(9477, false)),
            "cap_dac_read_search,cap_sys_ptrace,cap_perfmon,cap_bpf");
}

TEST(Capabilities, BindServiceOnlyForAPortBelow1024) {
  EXPECT_EQ(CapabilityNames(CapabilitiesToKeep(443, false)),
            "cap_dac_read_search,cap_net_bind_service,cap_sys_ptrace,cap_perfmon,cap_bpf");
  EXPECT_EQ(CapabilitiesToKeep(1024, false), CapabilitiesToKeep(9477, false));
}

TEST(Capabilities, SysAdminOnlyForPerfEventUprobes) {
  EXPECT_EQ(CapabilityNames(CapabilitiesToKeep(9477, true)),
            "cap_dac_read_search,cap_sys_ptrace,cap_sys_admin,cap_perfmon,cap_bpf");
}

TEST(Capabilities, NamesCoverEveryBit) {
  EXPECT_EQ(CapabilityNames(0), "");
  EXPECT_EQ(CapabilityNames(1ULL << 40), "cap_checkpoint_restore");
  EXPECT_EQ(CapabilityNames(1ULL << 41), "cap_41");
}

}  // namespace
}  // namespace hostlens::app
