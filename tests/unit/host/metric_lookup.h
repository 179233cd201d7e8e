#pragma once

// Lookups into collector output, so tests can state expectations as name + labels → value.

#include <prometheus/metric_family.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::host::test_util {

using LabelList = std::vector<prometheus::ClientMetric::Label>;

inline const prometheus::MetricFamily* FindFamily(
    const std::vector<prometheus::MetricFamily>& families, std::string_view name) {
  auto it = std::find_if(families.begin(), families.end(),
                         [&](const prometheus::MetricFamily& f) { return f.name == name; });
  return it == families.end() ? nullptr : &*it;
}

inline std::vector<std::string> FamilyNames(const std::vector<prometheus::MetricFamily>& families) {
  std::vector<std::string> names;
  for (const prometheus::MetricFamily& family : families) names.push_back(family.name);
  return names;
}

// The value of the sample with exactly these labels, read from the slot matching the type.
inline std::optional<double> SampleValue(const std::vector<prometheus::MetricFamily>& families,
                                         std::string_view name, const LabelList& labels = {}) {
  const prometheus::MetricFamily* family = FindFamily(families, name);
  if (family == nullptr) return std::nullopt;
  for (const prometheus::ClientMetric& metric : family->metric) {
    if (metric.label != labels) continue;
    switch (family->type) {
      case prometheus::MetricType::Counter:
        return metric.counter.value;
      case prometheus::MetricType::Gauge:
        return metric.gauge.value;
      default:
        return metric.untyped.value;
    }
  }
  return std::nullopt;
}

}  // namespace hostlens::host::test_util
