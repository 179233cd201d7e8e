#include "agent/server/status.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace hostlens::server {

std::string RenderStatus(StatusInput input) {
  using nlohmann::json;
  json programs = json::array();
  for (const auto& p : input.programs) {
    programs.push_back({{"name", p.name}, {"section", p.section}, {"object", p.object}});
  }
  std::sort(input.processes.begin(), input.processes.end(),
            [](const auto& a, const auto& b) { return a.pid < b.pid; });
  json processes = json::array();
  std::map<std::string, uint64_t> by_service;
  for (const auto& p : input.processes) {
    ++by_service[p.service];
    if (processes.size() < kStatusMaxProcesses) {
      json tls = json::array();
      for (const auto& t : p.tls) {
        json library = {{"path", t.path}, {"library", t.library}, {"state", t.state}};
        if (!t.reason.empty()) library["reason"] = t.reason;
        if (!t.functions.empty()) library["functions"] = t.functions;
        tls.push_back(std::move(library));
      }
      processes.push_back(
          {{"pid", p.pid}, {"service_name", p.service}, {"exe", p.exe}, {"tls_libraries", tls}});
    }
  }
  json body = {
      {"version", input.version},
      {"kernel", input.kernel_release},
      {"attached_programs", programs},
      {"kernel_features", input.kernel_features},
      {"fallbacks", json(input.fallbacks.empty() ? json::object() : json(input.fallbacks))},
      {"selectors", input.selectors.empty() ? json::array({"all processes"}) : json(input.selectors)},
      {"tracked_processes",
       {{"count", input.processes.size()},
        {"by_service", by_service},
        {"truncated", input.processes.size() > kStatusMaxProcesses},
        {"processes", processes}}},
      {"events_total", input.events},
      {"events_lost_total", input.lost},
      {"http_fast_path",
       {{"enabled", input.http_fast_path},
        {"outcomes", input.http_fast_path_outcomes.empty()
                         ? json::object()
                         : json(input.http_fast_path_outcomes)}}},
  };
  // Replace, not throw, on invalid UTF-8 (exe paths are bytes).
  return body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace hostlens::server
