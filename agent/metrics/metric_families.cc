#include "agent/metrics/metric_families.h"

#include <utility>

namespace hostlens::metrics {

prometheus::MetricFamily MakeFamily(std::string name, std::string help,
                                    prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddSample(prometheus::MetricFamily* family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  switch (family->type) {
    case prometheus::MetricType::Counter:
      metric.counter.value = value;
      break;
    case prometheus::MetricType::Gauge:
      metric.gauge.value = value;
      break;
    default:
      metric.untyped.value = value;
      break;
  }
  family->metric.push_back(std::move(metric));
}

prometheus::MetricFamily MakeSingleGauge(std::string name, std::string help, double value) {
  prometheus::MetricFamily family =
      MakeFamily(std::move(name), std::move(help), prometheus::MetricType::Gauge);
  AddSample(&family, {}, value);
  return family;
}

}  // namespace hostlens::metrics
