#pragma once

#include <prometheus/metric_family.h>

#include <optional>
#include <vector>

#include "agent/host/procfs.h"

namespace hostlens::host {

// node_load1, node_load5 and node_load15 gauges from /proc/loadavg; nullopt if it cannot be read
// or parsed.
std::optional<std::vector<prometheus::MetricFamily>> CollectLoadavg(const Procfs& procfs);

}  // namespace hostlens::host
