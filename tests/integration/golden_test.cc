// End to end on checked-in procfs fixtures: run the agent with --procfs on
// them, scrape, keep the host and service families, diff with the golden
// file. `golden_test --update-golden` (or `make golden`) rewrites it.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "harness.h"

namespace hostlens::testing {
namespace {

bool update_golden = false;

const std::string kFixtureProc = std::string(HOSTLENS_SOURCE_DIR) + "/tests/fixtures/proc";
const std::string kGolden = std::string(HOSTLENS_SOURCE_DIR) + "/tests/fixtures/golden/host_metrics.prom";

// node_* and service_* lines, with their HELP and TYPE: everything that
// comes from procfs alone.
std::string HostAndServiceLines(const std::string& exposition) {
  std::istringstream in(exposition);
  std::string line, out;
  while (std::getline(in, line)) {
    std::string_view name = line;
    if (name.rfind("# HELP ", 0) == 0 || name.rfind("# TYPE ", 0) == 0) name.remove_prefix(7);
    if (name.rfind("node_", 0) == 0 || name.rfind("service_", 0) == 0) out += line + "\n";
  }
  return out;
}

TEST(Golden, HostAndServiceMetricsFromFixtures) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  Agent agent({"--procfs", kFixtureProc, "--pid", "4000001", "--pid", "4000002"});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  const std::string actual = HostAndServiceLines(agent.Get("/metrics").body);
  ASSERT_FALSE(actual.empty());
  if (update_golden) {
    std::ofstream(kGolden) << actual;
    GTEST_SKIP() << "rewrote " << kGolden;
  }
  EXPECT_EQ(actual, ReadFile(kGolden)) << "if the change is intended: make golden";
}

}  // namespace
}  // namespace hostlens::testing

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--update-golden") == 0) hostlens::testing::update_golden = true;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
