#pragma once

// The per-family cap on distinct label values (DESIGN: "every label set per family has a cap,
// and the overflow is counted"), e.g. at most N http_route values per service_name.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace hostlens::metrics {

// Admits up to `limit` distinct values per scope (e.g. per service_name); beyond that Admit()
// returns `overflow_value` and counts the redirected call. Admitted values stay admitted for the
// limiter's lifetime, so a series, once exported, keeps its label. At most `max_scopes` scopes
// are tracked; every value of a scope past that is redirected and counted the same way. The
// scope itself is not a label this class bounds: the caller caps it (another SeriesLimiter with
// one scope does).
//
// Thread-safe. Admit() runs on the event loop for every record: an already admitted value costs
// one uncontended lock and two hash lookups, without allocating; limited() is a relaxed atomic
// read for scrapes.
class SeriesLimiter {
 public:
  static constexpr size_t kDefaultMaxScopes = 10000;
  static constexpr std::string_view kDefaultOverflowValue = "__other__";

  SeriesLimiter(std::string family, size_t limit,
                std::string overflow_value = std::string(kDefaultOverflowValue),
                size_t max_scopes = kDefaultMaxScopes);

  SeriesLimiter(const SeriesLimiter&) = delete;
  SeriesLimiter& operator=(const SeriesLimiter&) = delete;

  // The label value to use: `value` (as stored here) if admitted, else the overflow value. The
  // reference stays valid as long as the limiter.
  const std::string& Admit(std::string_view scope, std::string_view value);

  // Admit() calls redirected to the overflow value, for hostlens_series_limited_total{family}.
  uint64_t limited() const { return limited_.load(std::memory_order_relaxed); }
  // Whether a value Admit() returned is the overflow value.
  bool IsOverflow(const std::string& admitted) const { return &admitted == &overflow_value_; }
  // One more observation redirected, for a caller that remembers Admit()'s answer (values once
  // admitted or refused stay so).
  void CountLimited() { limited_.fetch_add(1, std::memory_order_relaxed); }
  const std::string& family() const { return family_; }
  size_t limit() const { return limit_; }
  // Distinct values admitted in `scope` (0 for an unknown scope).
  size_t admitted(std::string_view scope) const;

 private:
  // Heterogeneous lookup: a string_view finds a std::string key without building one.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using ValueSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

  const std::string family_;
  const size_t limit_;
  const std::string overflow_value_;
  const size_t max_scopes_;

  mutable std::mutex mutex_;
  // unordered_set nodes never move, so Admit() can hand out references to stored values.
  std::unordered_map<std::string, ValueSet, StringHash, std::equal_to<>> scopes_;
  std::atomic<uint64_t> limited_{0};
};

}  // namespace hostlens::metrics
