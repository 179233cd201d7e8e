#include "agent/inspector/route_stats.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace hostlens::inspector {

void RouteStats::Record(const std::string& service, const std::string& route,
                        uint64_t duration_ns, const RequestQueries* fan_out) {
  std::lock_guard lock(mutex_);
  auto key = std::make_pair(service, route);
  auto it = routes_.find(key);
  if (it == routes_.end()) {
    if (routes_.size() >= max_routes_) {
      ++dropped_;
      return;
    }
    it = routes_.emplace(std::move(key), Route{}).first;
  }
  Route& r = it->second;
  ++r.requests;
  r.total_ns += duration_ns;
  r.latency.Add(duration_ns);
  if (!fan_out) return;
  ++r.fan_out_requests;
  r.queries += fan_out->queries;
  r.db_ns += fan_out->db_ns;
  r.fan_out_total_ns += duration_ns;
  if (fan_out->top_count < 2) return;  // nothing repeated
  // The suspect is the statement repeated most within one request so far.
  if (!r.suspect || fan_out->top_count > r.suspect->max_repeats) {
    if (!r.suspect || r.suspect->statement != fan_out->top_statement) {
      r.suspect = Suspect{fan_out->top_statement, fan_out->top_system, 0, 0};
    }
    r.suspect->max_repeats = fan_out->top_count;
  }
  if (r.suspect->statement == fan_out->top_statement) ++r.suspect->requests;
}

std::string RouteStats::ToJson(const RoutesQuery& query) const {
  std::lock_guard lock(mutex_);
  std::vector<const std::pair<const std::pair<std::string, std::string>, Route>*> rows;
  for (const auto& entry : routes_) {
    if (!query.service.empty() && entry.first.first != query.service) continue;
    rows.push_back(&entry);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](auto* a, auto* b) { return a->second.requests > b->second.requests; });
  if (rows.size() > query.limit) rows.resize(query.limit);
  nlohmann::json out = nlohmann::json::array();
  for (const auto* row : rows) {
    const Route& r = row->second;
    nlohmann::json j;
    j["service_name"] = row->first.first;
    j["http_route"] = row->first.second;
    j["requests"] = r.requests;
    j["p50_seconds"] = r.latency.Quantile(0.5);
    j["p99_seconds"] = r.latency.Quantile(0.99);
    j["mean_seconds"] = r.requests ? static_cast<double>(r.total_ns) / r.requests / 1e9 : 0.0;
    if (r.fan_out_requests > 0) {
      j["db_queries_per_request"] = static_cast<double>(r.queries) / r.fan_out_requests;
      j["db_time_share"] =
          r.fan_out_total_ns ? std::min(1.0, static_cast<double>(r.db_ns) / r.fan_out_total_ns)
                             : 0.0;
    } else {
      j["db_queries_per_request"] = nullptr;
      j["db_time_share"] = nullptr;
    }
    if (r.suspect) {
      j["n_plus_one"] = {{"statement", r.suspect->statement},
                         {"db_system_name", conn::DbSystemName(r.suspect->system)},
                         {"max_repeats", r.suspect->max_repeats},
                         {"requests", r.suspect->requests}};
    } else {
      j["n_plus_one"] = nullptr;
    }
    out.push_back(std::move(j));
  }
  return nlohmann::json{{"routes", std::move(out)}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

uint64_t RouteStats::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace hostlens::inspector
