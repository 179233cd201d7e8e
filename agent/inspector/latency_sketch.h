#pragma once

// Quantiles of a latency distribution in fixed memory: log-spaced buckets, 16 per doubling
// (about 4.4% relative error), from 1 µs to about 1.2 hours. Not thread-safe.

#include <array>
#include <cmath>
#include <cstdint>

namespace hostlens::inspector {

class LatencySketch {
 public:
  static constexpr int kPerDoubling = 16;
  static constexpr int kBuckets = 32 * kPerDoubling;  // 2^32 µs
  static constexpr double kMinNs = 1000.0;

  void Add(uint64_t ns) {
    ++counts_[Index(ns)];
    ++total_;
  }
  uint64_t count() const { return total_; }

  // The q-quantile (0 < q <= 1) in seconds: the geometric middle of the bucket holding it; 0
  // when empty.
  double Quantile(double q) const {
    if (total_ == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank && counts_[i] > 0) {
        return kMinNs * std::exp2((i + 0.5) / kPerDoubling) / 1e9;
      }
    }
    return kMinNs * std::exp2(static_cast<double>(kBuckets) / kPerDoubling) / 1e9;
  }

 private:
  static int Index(uint64_t ns) {
    if (ns <= kMinNs) return 0;
    const int i = static_cast<int>(std::log2(static_cast<double>(ns) / kMinNs) * kPerDoubling);
    return i >= kBuckets ? kBuckets - 1 : i;
  }

  std::array<uint32_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

}  // namespace hostlens::inspector
