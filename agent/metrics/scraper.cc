#include "agent/metrics/scraper.h"

#include <prometheus/text_serializer.h>

#include <chrono>
#include <exception>
#include <utility>

#include "agent/metrics/metric_families.h"

namespace hostlens::metrics {

std::vector<prometheus::MetricFamily> Scraper::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  prometheus::MetricFamily success =
      MakeFamily("hostlens_scrape_collector_success",
                 "Whether a collector succeeded at this scrape.", MetricType::Gauge);
  prometheus::MetricFamily duration =
      MakeFamily("hostlens_scrape_collector_duration_seconds",
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
    AddSample(&success, {{"collector", collector.name}}, ok ? 1 : 0);
    AddSample(&duration, {{"collector", collector.name}}, took.count());
  }
  out.push_back(std::move(success));
  out.push_back(std::move(duration));
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
