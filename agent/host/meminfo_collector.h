#pragma once

#include <prometheus/metric_family.h>

#include <optional>
#include <vector>

#include "agent/host/procfs.h"

namespace hostlens::host {

// node_memory_<Field>_bytes gauges for MemTotal, MemFree, MemAvailable, Buffers, Cached,
// SwapTotal and SwapFree. A field the kernel does not print (MemAvailable before 3.14) is left
// out; nullopt only if /proc/meminfo cannot be read or parsed.
std::optional<std::vector<prometheus::MetricFamily>> CollectMeminfo(const Procfs& procfs);

}  // namespace hostlens::host
