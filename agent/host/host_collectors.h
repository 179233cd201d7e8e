#pragma once

#include <prometheus/metric_family.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/host/procfs.h"

namespace hostlens::host {

// The node_exporter collectors, by the name their scrape status is exported under. Each reads its
// own procfs file and returns nullopt if that file is unreadable or malformed, so the scraper can
// fail it alone, as node_exporter does, rather than lose the whole scrape to one bad file.
struct HostSource {
  std::string name;
  std::function<std::optional<std::vector<prometheus::MetricFamily>>()> collect;
};

// "cpu", "meminfo" and "loadavg", in that order. The functions hold a reference to `procfs`, which
// must outlive them; `user_hz` scales the CPU ticks of /proc/stat to seconds.
std::vector<HostSource> HostSources(const Procfs& procfs, long user_hz);

}  // namespace hostlens::host
