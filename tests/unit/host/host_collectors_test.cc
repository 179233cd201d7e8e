#include "agent/host/host_collectors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "agent/host/kernel_units.h"
#include "tests/unit/host/fixture.h"
#include "tests/unit/host/metric_lookup.h"
#include "tests/unit/host/scratch_procfs.h"

namespace hostlens::host {
namespace {

using test_util::FamilyNames;
using test_util::FindFamily;
using test_util::FixtureRoot;
using test_util::ReadFixture;
using test_util::SampleValue;
using test_util::ScratchProcfs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr long kUserHz = 100;

struct HostScrape {
  // Source names in the order HostSources gives them.
  std::vector<std::string> names;
  // Families of the sources that succeeded; a failed one contributes nothing.
  std::vector<prometheus::MetricFamily> families;
  // Whether each source succeeded, keyed by name.
  std::map<std::string, bool> success;
};

// Runs every source once, as the agent's scraper does at each scrape.
HostScrape Collect(const Procfs& procfs, long user_hz) {
  HostScrape scrape;
  for (const HostSource& source : HostSources(procfs, user_hz)) {
    std::optional<std::vector<prometheus::MetricFamily>> families = source.collect();
    scrape.names.push_back(source.name);
    scrape.success[source.name] = families.has_value();
    if (families) {
      std::move(families->begin(), families->end(), std::back_inserter(scrape.families));
    }
  }
  return scrape;
}

HostScrape CollectFixture() { return Collect(Procfs(FixtureRoot()), kUserHz); }

TEST(HostSourcesTest, AllCollectorsSucceedOnFixture) {
  HostScrape scrape = CollectFixture();
  EXPECT_THAT(scrape.names, ElementsAre("cpu", "meminfo", "loadavg"));
  for (const auto& [name, success] : scrape.success) EXPECT_TRUE(success) << name;
  EXPECT_THAT(FamilyNames(scrape.families),
              ElementsAre("node_cpu_seconds_total", "node_boot_time_seconds",
                          "node_memory_MemTotal_bytes", "node_memory_MemFree_bytes",
                          "node_memory_MemAvailable_bytes", "node_memory_Buffers_bytes",
                          "node_memory_Cached_bytes", "node_memory_SwapTotal_bytes",
                          "node_memory_SwapFree_bytes", "node_load1", "node_load5", "node_load15"));
}

TEST(HostSourcesTest, CpuSecondsAreFixtureTicksOverUserHz) {
  HostScrape scrape = CollectFixture();
  const prometheus::MetricFamily* cpu = FindFamily(scrape.families, "node_cpu_seconds_total");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->type, prometheus::MetricType::Counter);
  EXPECT_EQ(cpu->help, "Seconds the CPUs spent in each mode.");
  EXPECT_EQ(cpu->metric.size(), 2u * 8u);  // two CPUs, eight modes, no aggregate "cpu"

  // cpu0 700 0 614 37204 12 0 7 3 0 0 / cpu1 1440 0 1257 35155 607 0 21 7 0 0
  struct Expected {
    const char* cpu;
    const char* mode;
    double ticks;
  };
  for (const Expected& e : std::initializer_list<Expected>{{"0", "user", 700},
                                                           {"0", "nice", 0},
                                                           {"0", "system", 614},
                                                           {"0", "idle", 37204},
                                                           {"0", "iowait", 12},
                                                           {"0", "irq", 0},
                                                           {"0", "softirq", 7},
                                                           {"0", "steal", 3},
                                                           {"1", "user", 1440},
                                                           {"1", "nice", 0},
                                                           {"1", "system", 1257},
                                                           {"1", "idle", 35155},
                                                           {"1", "iowait", 607},
                                                           {"1", "irq", 0},
                                                           {"1", "softirq", 21},
                                                           {"1", "steal", 7}}) {
    std::optional<double> value =
        SampleValue(scrape.families, "node_cpu_seconds_total", {{"cpu", e.cpu}, {"mode", e.mode}});
    ASSERT_TRUE(value.has_value()) << e.cpu << "/" << e.mode;
    EXPECT_DOUBLE_EQ(*value, e.ticks / kUserHz) << e.cpu << "/" << e.mode;
  }
  EXPECT_EQ(
      SampleValue(scrape.families, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "guest"}}),
      std::nullopt);
}

TEST(HostSourcesTest, CpuSecondsScaleWithUserHz) {
  HostScrape scrape = Collect(Procfs(FixtureRoot()), 1000);
  EXPECT_DOUBLE_EQ(
      *SampleValue(scrape.families, "node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "user"}}),
      1.44);
}

TEST(HostSourcesTest, BootTimeIsFixtureBtime) {
  HostScrape scrape = CollectFixture();
  const prometheus::MetricFamily* boot = FindFamily(scrape.families, "node_boot_time_seconds");
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ(boot->type, prometheus::MetricType::Gauge);
  EXPECT_EQ(boot->help, "Node boot time, in unixtime.");
  EXPECT_EQ(SampleValue(scrape.families, "node_boot_time_seconds"), 1795611320.0);
}

struct MemoryCase {
  std::string metric;
  double bytes;
  friend void PrintTo(const MemoryCase& c, std::ostream* os) { *os << c.metric; }
};

class HostSourcesMemoryTest : public ::testing::TestWithParam<MemoryCase> {};

TEST_P(HostSourcesMemoryTest, IsFixtureKbTimes1024) {
  HostScrape scrape = CollectFixture();
  const prometheus::MetricFamily* family = FindFamily(scrape.families, GetParam().metric);
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->type, prometheus::MetricType::Gauge);
  std::string field = GetParam().metric.substr(std::string("node_memory_").size());
  EXPECT_EQ(family->help, "Memory information field " + field + ".");
  EXPECT_EQ(SampleValue(scrape.families, GetParam().metric), GetParam().bytes);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, HostSourcesMemoryTest,
    ::testing::Values(MemoryCase{"node_memory_MemTotal_bytes", 24684096.0 * 1024},
                      MemoryCase{"node_memory_MemFree_bytes", 23981440.0 * 1024},
                      MemoryCase{"node_memory_MemAvailable_bytes", 24294952.0 * 1024},
                      MemoryCase{"node_memory_Buffers_bytes", 206012.0 * 1024},
                      MemoryCase{"node_memory_Cached_bytes", 261724.0 * 1024},
                      MemoryCase{"node_memory_SwapTotal_bytes", 0},
                      MemoryCase{"node_memory_SwapFree_bytes", 0}),
    [](const ::testing::TestParamInfo<MemoryCase>& info) {
      std::string name = info.param.metric.substr(std::string("node_memory_").size());
      return name.substr(0, name.find('_'));
    });

TEST(HostSourcesTest, LoadAveragesAreFixtureValues) {
  HostScrape scrape = CollectFixture();
  EXPECT_EQ(SampleValue(scrape.families, "node_load1"), 0.05);
  EXPECT_EQ(SampleValue(scrape.families, "node_load5"), 0.07);
  EXPECT_EQ(SampleValue(scrape.families, "node_load15"), 0.03);
  EXPECT_EQ(FindFamily(scrape.families, "node_load1")->help, "1m load average.");
  EXPECT_EQ(FindFamily(scrape.families, "node_load15")->type, prometheus::MetricType::Gauge);
}

TEST(HostSourcesTest, EachCollectorFailsAlone) {
  ScratchProcfs scratch;
  scratch.Write("stat", "cpu0 1 2 3\nbtime 1\n");    // too few modes: malformed
  scratch.Write("loadavg", ReadFixture("loadavg"));  // meminfo is missing altogether
  HostScrape scrape = Collect(Procfs(scratch.root()), kUserHz);
  EXPECT_FALSE(scrape.success.at("cpu"));
  EXPECT_FALSE(scrape.success.at("meminfo"));
  EXPECT_TRUE(scrape.success.at("loadavg"));
  EXPECT_THAT(FamilyNames(scrape.families), ElementsAre("node_load1", "node_load5", "node_load15"));
}

TEST(HostSourcesTest, EmptyRootFailsEveryCollectorWithoutFamilies) {
  HostScrape scrape = Collect(Procfs("/nonexistent/proc"), kUserHz);
  EXPECT_THAT(scrape.families, IsEmpty());
  ASSERT_EQ(scrape.success.size(), 3u);
  for (const auto& [name, success] : scrape.success) EXPECT_FALSE(success) << name;
}

TEST(HostSourcesTest, FieldMissingFromMeminfoIsLeftOutWithoutFailing) {
  ScratchProcfs scratch;
  scratch.Write("meminfo", "MemTotal:  100 kB\nMemFree:  50 kB\n");  // a pre-3.14 kernel
  HostScrape scrape = Collect(Procfs(scratch.root()), kUserHz);
  EXPECT_TRUE(scrape.success.at("meminfo"));
  EXPECT_THAT(FamilyNames(scrape.families),
              ElementsAre("node_memory_MemTotal_bytes", "node_memory_MemFree_bytes"));
  EXPECT_EQ(SampleValue(scrape.families, "node_memory_MemFree_bytes"), 51200.0);
}

TEST(HostSourcesLiveTest, SucceedsOnRealProc) {
  HostScrape scrape = Collect(Procfs(), UserHz());
  ASSERT_EQ(scrape.success.size(), 3u);
  for (const auto& [name, success] : scrape.success) EXPECT_TRUE(success) << name;
  EXPECT_GT(*SampleValue(scrape.families, "node_memory_MemTotal_bytes"), 0);
}

}  // namespace
}  // namespace hostlens::host
