#include "agent/inspector/slow_queries.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

namespace hostlens::inspector {
namespace {

std::string Rfc3339(uint64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%.*s.%03uZ", static_cast<int>(n), buf,
                static_cast<unsigned>(unix_ms % 1000));
  return out;
}

}  // namespace

void SlowQueryLog::Record(const std::string& service, const conn::DbOperation& op,
                          uint64_t unix_ms) {
  const uint64_t ns = op.duration_ns();
  std::lock_guard lock(mutex_);
  Key key{service, op.system, op.statement.empty() ? op.operation : op.statement};
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= capacity_) {
      // Keep the top statements by total slow time: push out the smallest, unless it is this.
      auto smallest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
        return a.second.total_ns < b.second.total_ns;
      });
      ++evicted_;
      if (smallest->second.total_ns >= ns) return;
      entries_.erase(smallest);
    }
    it = entries_.emplace(std::move(key), Entry{}).first;
    it->second.operation = op.operation;
    it->second.collection = op.collection;
  }
  Entry& e = it->second;
  ++e.count;
  e.total_ns += ns;
  e.max_ns = std::max(e.max_ns, ns);
  e.last_ns = ns;
  e.last_unix_ms = unix_ms;
  if (!op.raw_sql.empty()) e.sample_sql = op.raw_sql;
}

std::string SlowQueryLog::ToJson(const SlowQueriesQuery& query, double threshold_seconds) const {
  std::lock_guard lock(mutex_);
  std::vector<const std::pair<const Key, Entry>*> rows;
  for (const auto& entry : entries_) {
    const auto& [service, system, statement] = entry.first;
    if (!query.service.empty() && service != query.service) continue;
    if (!query.system.empty() && conn::DbSystemName(system) != query.system) continue;
    rows.push_back(&entry);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](auto* a, auto* b) { return a->second.total_ns > b->second.total_ns; });
  if (rows.size() > query.limit) rows.resize(query.limit);
  nlohmann::json list = nlohmann::json::array();
  for (const auto* row : rows) {
    const auto& [service, system, statement] = row->first;
    const Entry& e = row->second;
    nlohmann::json j = {{"statement", statement},
                        {"db_system_name", conn::DbSystemName(system)},
                        {"service_name", service},
                        {"db_operation_name", e.operation},
                        {"db_collection_name", e.collection},
                        {"count", e.count},
                        {"total_seconds", static_cast<double>(e.total_ns) / 1e9},
                        {"max_seconds", static_cast<double>(e.max_ns) / 1e9},
                        {"last_seconds", static_cast<double>(e.last_ns) / 1e9},
                        {"last_seen", Rfc3339(e.last_unix_ms)}};
    if (!e.sample_sql.empty()) j["sample_sql"] = e.sample_sql;
    list.push_back(std::move(j));
  }
  // Statements are bytes from the wire: invalid UTF-8 is replaced, never thrown on.
  return nlohmann::json{{"threshold_seconds", threshold_seconds}, {"slow_queries", std::move(list)}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

uint64_t SlowQueryLog::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

size_t SlowQueryLog::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace hostlens::inspector
