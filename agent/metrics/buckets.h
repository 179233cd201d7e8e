#pragma once

#include <prometheus/histogram.h>

namespace hostlens::metrics {

// DESIGN.md's one duration layout, a superset of OBI's, in seconds.
inline const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075,
      0.1,    0.25,    0.5,    0.75,  1,      2.5,   5,    7.5,   10};
  return buckets;
}

}  // namespace hostlens::metrics
