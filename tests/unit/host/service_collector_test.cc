#include "agent/host/service_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <ostream>
#include <string>

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
using ::testing::Pair;

constexpr long kUserHz = 100;
constexpr long kPageSize = 4096;

// From the fixture's stat files: 4000001 (prometheus) utime 6 stime 2 starttime 36405 rss 11897;
// 4000002 (python3.11) utime 3 stime 2 starttime 36405 rss 4619.
constexpr double kPrometheusCpuSeconds = (6 + 2) / 100.0;
constexpr double kPrometheusRssBytes = 11897.0 * 4096;
constexpr double kPythonCpuSeconds = (3 + 2) / 100.0;
constexpr double kPythonRssBytes = 4619.0 * 4096;
constexpr uint64_t kFixtureStartTicks = 36405;

ServiceCollector FixtureCollector() {
  return ServiceCollector(Procfs(FixtureRoot()), kUserHz, kPageSize);
}

std::optional<double> Value(const ServiceScrape& scrape, std::string_view metric,
                            const std::string& service) {
  return SampleValue(scrape.families, metric, {{"service_name", service}});
}

TEST(ServiceCollectorTest, ExportsThreeFamiliesWithTypesAndHelp) {
  ServiceScrape scrape = FixtureCollector().Collect({}, {});
  EXPECT_THAT(FamilyNames(scrape.families),
              ElementsAre("service_cpu_seconds_total", "service_resident_memory_bytes",
                          "service_processes"));
  EXPECT_EQ(scrape.families[0].type, prometheus::MetricType::Counter);
  EXPECT_EQ(scrape.families[1].type, prometheus::MetricType::Gauge);
  EXPECT_EQ(scrape.families[2].type, prometheus::MetricType::Gauge);
  for (const prometheus::MetricFamily& family : scrape.families) {
    EXPECT_FALSE(family.help.empty()) << family.name;
    EXPECT_THAT(family.metric, IsEmpty()) << family.name;
  }
}

TEST(ServiceCollectorTest, SumsLiveProcessesAndRetiredSeconds) {
  ServiceScrape scrape =
      FixtureCollector().Collect({{4000001, kFixtureStartTicks, "prometheus"}, {4000002, 0, "web"}},
                                 {{"web", 1.5}, {"gone", 4.0}});

  EXPECT_DOUBLE_EQ(*Value(scrape, "service_cpu_seconds_total", "prometheus"),
                   kPrometheusCpuSeconds);
  EXPECT_DOUBLE_EQ(*Value(scrape, "service_cpu_seconds_total", "web"), 1.5 + kPythonCpuSeconds);
  EXPECT_EQ(Value(scrape, "service_cpu_seconds_total", "gone"), 4.0);

  EXPECT_EQ(Value(scrape, "service_resident_memory_bytes", "prometheus"), kPrometheusRssBytes);
  EXPECT_EQ(Value(scrape, "service_resident_memory_bytes", "web"), kPythonRssBytes);
  EXPECT_EQ(Value(scrape, "service_resident_memory_bytes", "gone"), 0.0);

  EXPECT_EQ(Value(scrape, "service_processes", "prometheus"), 1.0);
  EXPECT_EQ(Value(scrape, "service_processes", "web"), 1.0);
  EXPECT_EQ(Value(scrape, "service_processes", "gone"), 0.0);

  EXPECT_THAT(scrape.cpu_seconds_by_pid,
              ElementsAre(Pair(4000001, kPrometheusCpuSeconds), Pair(4000002, kPythonCpuSeconds)));
}

TEST(ServiceCollectorTest, SamplesAreSortedByServiceName) {
  ServiceScrape scrape =
      FixtureCollector().Collect({{4000002, 0, "web"}, {4000001, 0, "api"}}, {{"cache", 1}});
  const prometheus::MetricFamily* cpu = FindFamily(scrape.families, "service_cpu_seconds_total");
  ASSERT_NE(cpu, nullptr);
  std::vector<std::string> services;
  for (const prometheus::ClientMetric& metric : cpu->metric) {
    ASSERT_EQ(metric.label.size(), 1u);
    EXPECT_EQ(metric.label[0].name, "service_name");
    services.push_back(metric.label[0].value);
  }
  EXPECT_THAT(services, ElementsAre("api", "cache", "web"));
}

TEST(ServiceCollectorTest, AddsUpProcessesOfOneService) {
  ServiceScrape scrape =
      FixtureCollector().Collect({{4000001, 0, "both"}, {4000002, 0, "both"}}, {});
  EXPECT_DOUBLE_EQ(*Value(scrape, "service_cpu_seconds_total", "both"),
                   kPrometheusCpuSeconds + kPythonCpuSeconds);
  EXPECT_EQ(Value(scrape, "service_resident_memory_bytes", "both"),
            kPrometheusRssBytes + kPythonRssBytes);
  EXPECT_EQ(Value(scrape, "service_processes", "both"), 2.0);
}

struct SkippedCase {
  std::string name;
  TrackedProcess process;
  friend void PrintTo(const SkippedCase& c, std::ostream* os) { *os << c.name; }
};

class ServiceCollectorSkipTest : public ::testing::TestWithParam<SkippedCase> {};

TEST_P(ServiceCollectorSkipTest, SkipsProcessButKeepsServiceAtZero) {
  ServiceScrape scrape = FixtureCollector().Collect({GetParam().process}, {{"svc", 2.0}});
  EXPECT_EQ(Value(scrape, "service_cpu_seconds_total", "svc"), 2.0);
  EXPECT_EQ(Value(scrape, "service_resident_memory_bytes", "svc"), 0.0);
  EXPECT_EQ(Value(scrape, "service_processes", "svc"), 0.0);
  EXPECT_THAT(scrape.cpu_seconds_by_pid, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ServiceCollectorSkipTest,
    ::testing::Values(SkippedCase{"ExitedProcess", {4000009, 0, "svc"}},
                      SkippedCase{"PidReused", {4000001, kFixtureStartTicks + 1, "svc"}},
                      SkippedCase{"NegativePid", {-1, 0, "svc"}}),
    [](const ::testing::TestParamInfo<SkippedCase>& info) { return info.param.name; });

TEST(ServiceCollectorTest, PidListedTwiceCountsOnceForFirstService) {
  ServiceScrape scrape =
      FixtureCollector().Collect({{4000002, 0, "first"}, {4000002, 0, "second"}}, {});
  EXPECT_EQ(Value(scrape, "service_processes", "first"), 1.0);
  EXPECT_EQ(Value(scrape, "service_processes", "second"), 0.0);
  EXPECT_EQ(Value(scrape, "service_cpu_seconds_total", "second"), 0.0);
}

TEST(ServiceCollectorTest, ZombieGivesCpuButIsNotALiveProcess) {
  ScratchProcfs scratch;
  std::string stat = ReadFixture("4000002/stat");
  stat.replace(stat.find(") S "), 4, ") Z ");
  scratch.Write("4000002/stat", stat);
  ServiceScrape scrape =
      ServiceCollector(Procfs(scratch.root()), kUserHz, kPageSize).Collect({{4000002, 0, "w"}}, {});
  EXPECT_DOUBLE_EQ(*Value(scrape, "service_cpu_seconds_total", "w"), kPythonCpuSeconds);
  EXPECT_EQ(Value(scrape, "service_processes", "w"), 0.0);
  EXPECT_THAT(scrape.cpu_seconds_by_pid, ElementsAre(Pair(4000002, kPythonCpuSeconds)));
}

TEST(ServiceCollectorTest, MalformedStatIsSkipped) {
  ScratchProcfs scratch;
  scratch.Write("5/stat", "5 (truncated) S 1 5 5");
  ServiceScrape scrape =
      ServiceCollector(Procfs(scratch.root()), kUserHz, kPageSize).Collect({{5, 0, "t"}}, {});
  EXPECT_EQ(Value(scrape, "service_processes", "t"), 0.0);
  EXPECT_THAT(scrape.cpu_seconds_by_pid, IsEmpty());
}

TEST(ServiceCollectorLiveTest, SeesOwnProcessInRealProc) {
  ServiceScrape scrape = ServiceCollector(Procfs()).Collect({{getpid(), 0, "self"}}, {});
  EXPECT_EQ(Value(scrape, "service_processes", "self"), 1.0);
  EXPECT_GT(*Value(scrape, "service_resident_memory_bytes", "self"), 0);
  EXPECT_TRUE(scrape.cpu_seconds_by_pid.contains(getpid()));
}

}  // namespace
}  // namespace hostlens::host
