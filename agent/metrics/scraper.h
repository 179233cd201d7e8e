#pragma once

#include <prometheus/metric_family.h>

#include <functional>
#include <string>
#include <vector>

namespace hostlens::metrics {

// One named source of families, read at scrape time. A collector that
// fails reports it through `ok` (and may still return partial families).
struct Collector {
  std::string name;
  std::function<std::vector<prometheus::MetricFamily>(bool* ok)> collect;
};

// Runs every collector, adds hostlens_scrape_collector_success and
// _duration_seconds per collector (node_exporter's way: one failing
// collector does not fail the scrape), and renders the Prometheus text
// format. Never throws.
class Scraper {
 public:
  void Add(Collector collector) { collectors_.push_back(std::move(collector)); }
  std::vector<prometheus::MetricFamily> Collect() const;
  std::string Render() const;

 private:
  std::vector<Collector> collectors_;
};

}  // namespace hostlens::metrics
