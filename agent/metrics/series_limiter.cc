#include "agent/metrics/series_limiter.h"

#include <utility>

namespace hostlens::metrics {

SeriesLimiter::SeriesLimiter(std::string family, size_t limit, std::string overflow_value,
                             size_t max_scopes)
    : family_(std::move(family)),
      limit_(limit),
      overflow_value_(std::move(overflow_value)),
      max_scopes_(max_scopes) {}

const std::string& SeriesLimiter::Admit(std::string_view scope, std::string_view value) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto scope_it = scopes_.find(scope);
  if (scope_it == scopes_.end()) {
    if (scopes_.size() >= max_scopes_) {
      limited_.fetch_add(1, std::memory_order_relaxed);
      return overflow_value_;
    }
    scope_it = scopes_.emplace(std::string(scope), ValueSet()).first;
  }
  ValueSet& values = scope_it->second;
  if (const auto value_it = values.find(value); value_it != values.end()) return *value_it;
  if (values.size() >= limit_) {
    limited_.fetch_add(1, std::memory_order_relaxed);
    return overflow_value_;
  }
  return *values.emplace(value).first;
}

size_t SeriesLimiter::admitted(std::string_view scope) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = scopes_.find(scope);
  return it == scopes_.end() ? 0 : it->second.size();
}

}  // namespace hostlens::metrics
