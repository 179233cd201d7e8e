#pragma once

#include <prometheus/metric_family.h>

#include <optional>
#include <vector>

#include "agent/host/procfs.h"

namespace hostlens::host {

// node_cpu_seconds_total{cpu,mode} and node_boot_time_seconds, both from /proc/stat. (node_exporter
// puts the boot time in its "stat" collector; here it shares the file read, and so its fate.)
// nullopt if /proc/stat cannot be read or parsed.
std::optional<std::vector<prometheus::MetricFamily>> CollectCpu(const Procfs& procfs, long user_hz);

}  // namespace hostlens::host
