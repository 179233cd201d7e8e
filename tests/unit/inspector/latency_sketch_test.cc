#include "agent/inspector/latency_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace hostlens::inspector {
namespace {

// The exact q-quantile by the sketch's own rank rule (the ceil(q * n)-th smallest), in seconds.
double ExactQuantile(std::vector<uint64_t> ns, double q) {
  std::sort(ns.begin(), ns.end());
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ns.size())));
  return static_cast<double>(ns[rank - 1]) / 1e9;
}

TEST(LatencySketchTest, EmptyIsZero) {
  LatencySketch sketch;
  EXPECT_EQ(sketch.count(), 0u);
  EXPECT_EQ(sketch.Quantile(0.5), 0.0);
  EXPECT_EQ(sketch.Quantile(0.99), 0.0);
}

TEST(LatencySketchTest, QuantilesOfAWideDistributionAreWithinFivePercent) {
  std::mt19937_64 random(42);
  // Log-uniform from 10 µs to 10 s: every bucket range gets used.
  std::uniform_real_distribution<double> exponent(4.0, 10.0);
  std::vector<uint64_t> samples;
  LatencySketch sketch;
  for (int i = 0; i < 20000; ++i) {
    const auto ns = static_cast<uint64_t>(std::pow(10.0, exponent(random)));
    samples.push_back(ns);
    sketch.Add(ns);
  }
  EXPECT_EQ(sketch.count(), samples.size());
  for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0}) {
    const double exact = ExactQuantile(samples, q);
    EXPECT_NEAR(sketch.Quantile(q), exact, exact * 0.05) << "q=" << q;
  }
}

TEST(LatencySketchTest, OneValueIsItsOwnEveryQuantile) {
  LatencySketch sketch;
  for (int i = 0; i < 10; ++i) sketch.Add(3'000'000);  // 3 ms
  for (double q : {0.01, 0.5, 0.99, 1.0}) EXPECT_NEAR(sketch.Quantile(q), 0.003, 0.003 * 0.05);
}

TEST(LatencySketchTest, OneToHundredMilliseconds) {
  LatencySketch sketch;
  for (uint64_t ms = 1; ms <= 100; ++ms) sketch.Add(ms * 1'000'000);
  EXPECT_NEAR(sketch.Quantile(0.5), 0.050, 0.050 * 0.05);
  EXPECT_NEAR(sketch.Quantile(0.99), 0.099, 0.099 * 0.05);
}

TEST(LatencySketchTest, ValuesOutsideTheRangeAreClampedNotLost) {
  LatencySketch sketch;
  sketch.Add(0);
  sketch.Add(10);  // below 1 µs
  EXPECT_EQ(sketch.count(), 2u);
  EXPECT_NEAR(sketch.Quantile(1.0), 1e-6, 1e-6 * 0.05);
  sketch.Add(UINT64_MAX);
  sketch.Add(100ull * 3600 * 1'000'000'000);  // 100 hours
  EXPECT_EQ(sketch.count(), 4u);
  const double top = sketch.Quantile(1.0);
  EXPECT_GT(top, 3600.0);  // the last bucket: about 1.2 hours
  EXPECT_LT(top, 2 * 3600.0);
  EXPECT_NEAR(sketch.Quantile(0.5), 1e-6, 1e-6 * 0.05);
}

}  // namespace
}  // namespace hostlens::inspector
