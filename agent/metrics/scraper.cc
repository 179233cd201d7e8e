#include "agent/metrics/scraper.h"

#include <prometheus/text_serializer.h>

#include <chrono>
#include <exception>

#include "agent/metrics/family.h"

namespace hostlens::metrics {

std::vector<prometheus::MetricFamily> Scraper::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  FamilyBuilder success("hostlens_scrape_collector_success",
                        "Whether a collector succeeded at this scrape.", MetricType::Gauge);
  FamilyBuilder duration("hostlens_scrape_collector_duration_seconds",
                         "How long a collector took at this scrape.", MetricType::Gauge);
  for (const auto& collector : collectors_) {
    const auto start = std::chrono::steady_clock::now();
    bool ok = true;
    try {
      auto families = collector.collect(&ok);
      for (auto& f : families) out.push_back(std::move(f));
    } catch (const std::exception&) {
      ok = false;
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    success.Add({{"collector", collector.name}}, ok ? 1 : 0);
    duration.Add({{"collector", collector.name}}, took.count());
  }
  out.push_back(success.Build());
  out.push_back(duration.Build());
  return out;
}

std::string Scraper::Render() const {
  try {
    return prometheus::TextSerializer().Serialize(Collect());
  } catch (const std::exception& e) {
    return std::string("# hostlens: failed to render metrics: ") + e.what() + "\n";
  }
}

}  // namespace hostlens::metrics
