#pragma once

// /api/v1/routes: per (service, route) requests, latency p50/p99, queries per request, share of
// time in the database, and the statement most repeated within one request (the N+1 suspect).
// Written by the event loop, read by the API's threads.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "agent/inspector/latency_sketch.h"
#include "agent/inspector/request_fanout.h"

namespace hostlens::inspector {

struct RoutesQuery {
  std::string service;  // "" = every service
  size_t limit = 100;
};

class RouteStats {
 public:
  // Routes are already capped per service by the http_route limiter; this caps the services
  // times routes kept here (later ones are counted in dropped()).
  explicit RouteStats(size_t max_routes = 20000) : max_routes_(max_routes) {}

  // One request; `fan_out` when its process talks SQL.
  void Record(const std::string& service, const std::string& route, uint64_t duration_ns,
              const RequestQueries* fan_out);

  // JSON: {"routes":[{service_name, http_route, requests, p50_seconds, p99_seconds,
  // mean_seconds, db_queries_per_request, db_time_share, n_plus_one: {statement, db_system_name,
  // max_repeats, requests} | null}, ...]} sorted by requests, at most `query.limit`.
  std::string ToJson(const RoutesQuery& query) const;
  uint64_t dropped() const;

 private:
  struct Suspect {
    std::string statement;
    conn::DbSystem system = conn::DbSystem::kPostgresql;
    uint32_t max_repeats = 0;
    uint64_t requests = 0;  // requests where it was repeated most (and at least twice)
  };
  struct Route {
    uint64_t requests = 0;
    uint64_t total_ns = 0;
    LatencySketch latency;
    uint64_t fan_out_requests = 0;  // requests with a fan-out measured
    uint64_t queries = 0;
    uint64_t db_ns = 0;
    uint64_t fan_out_total_ns = 0;  // duration of the requests with a fan-out
    std::optional<Suspect> suspect;
  };

  const size_t max_routes_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Route> routes_;
  uint64_t dropped_ = 0;
};

}  // namespace hostlens::inspector
