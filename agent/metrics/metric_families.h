#pragma once

// Builders for scrape-time families, ebpf_exporter's way: raw values are kept as numbers and
// turned into families only when /metrics is read.

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace hostlens::metrics {

using Labels = std::vector<prometheus::ClientMetric::Label>;

prometheus::MetricFamily MakeFamily(std::string name, std::string help,
                                    prometheus::MetricType type);

// Appends a sample, stored in the counter or gauge slot according to the family's type.
void AddSample(prometheus::MetricFamily* family, Labels labels, double value);

// A gauge family with a single unlabelled sample, the shape of most node_exporter host metrics
// and of the agent's own gauges.
prometheus::MetricFamily MakeSingleGauge(std::string name, std::string help, double value);

}  // namespace hostlens::metrics
