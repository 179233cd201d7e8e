#pragma once

#include <prometheus/family.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace hostlens::metrics {

// A family's children by label values, cached: the hot path looks up a
// handle instead of building a label map per event.
template <typename Metric>
class Labelled {
 public:
  explicit Labelled(prometheus::Family<Metric>& family, std::vector<std::string> label_names)
      : family_(family), names_(std::move(label_names)) {}

  // Values in the order of the label names given at construction.
  template <typename... Args>
  Metric& Get(std::initializer_list<std::string_view> values, Args&&... args) {
    key_.clear();
    for (auto v : values) {
      key_.append(v);
      key_.push_back('\0');
    }
    auto it = cache_.find(key_);
    if (it != cache_.end()) return *it->second;
    prometheus::Labels labels;
    size_t i = 0;
    for (auto v : values) labels.emplace(names_[i++], std::string(v));
    Metric& metric = family_.Add(labels, std::forward<Args>(args)...);
    cache_.emplace(key_, &metric);
    return metric;
  }

 private:
  prometheus::Family<Metric>& family_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, Metric*> cache_;
  std::string key_;
};

}  // namespace hostlens::metrics
