#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <string>
#include <vector>

#include "agent/host/kernel_units.h"
#include "agent/host/procfs.h"

namespace hostlens::host {

// Outcome of one collector in one scrape, for hostlens_scrape_collector_success and
// hostlens_scrape_collector_duration_seconds.
struct CollectorStatus {
  bool success = false;
  double duration_seconds = 0;
};

struct HostScrape {
  // Families of the collectors that succeeded; a failed one contributes nothing.
  std::vector<prometheus::MetricFamily> families;
  // Keyed by collector name: "cpu", "loadavg", "meminfo". Every collector has an entry.
  std::map<std::string, CollectorStatus> collectors;
};

// Host-wide node_exporter metrics, read from procfs at each scrape. A collector whose file is
// unreadable or malformed fails alone, as in node_exporter, so one bad file does not cost the
// whole scrape.
class HostCollector {
 public:
  explicit HostCollector(Procfs procfs, long user_hz = UserHz());

  HostScrape Collect() const;

 private:
  Procfs procfs_;
  long user_hz_;
};

}  // namespace hostlens::host
