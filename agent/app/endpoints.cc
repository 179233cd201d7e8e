#include "agent/app/endpoints.h"

#include <malloc.h>
#include <sys/utsname.h>

#include <string>

#include "agent/server/status.h"
#include "hostlens/version.h"

namespace hostlens::app {
namespace {

std::string KernelRelease() {
  utsname u{};
  return uname(&u) == 0 ? u.release : "unknown";
}

std::function<std::string()> MetricsText(const metrics::Scraper& scraper) {
  return [&scraper] {
    std::string body = scraper.Render();
    // A scrape builds megabytes of short-lived objects on whichever CivetWeb thread serves it;
    // glibc keeps each thread's freed memory in its arena. Hand it back, so the agent's RSS
    // follows its live data rather than its largest scrape times the worker threads.
    malloc_trim(0);
    return body;
  };
}

std::function<std::string()> StatusJson(Stages& s) {
  return [&s, kernel_release = KernelRelease()] {
    server::StatusInput in;
    in.version = kVersion;
    in.kernel_release = kernel_release;
    for (const auto& p : s.probes.programs()) in.programs.push_back({p.name, p.section, p.object});
    const bpf::KernelFeatures& f = s.probes.features();
    in.kernel_features = {{"ring_buffer", f.ring_buffer},
                          {"task_storage", f.task_storage},
                          {"get_current_task_btf", f.current_task_btf},
                          {"uprobe_multi", f.uprobe_multi},
                          {"task_pt_regs", f.task_pt_regs}};
    in.fallbacks = s.probes.fallbacks();
    for (const auto& selector : s.options.selectors) in.selectors.push_back(selector.Describe());
    for (const auto& p : s.processes.List()) {
      server::StatusProcess process{p.pid, p.service, p.exe, {}};
      for (auto& t : s.tls_registry.StatusOf(p.pid)) {
        process.tls.push_back({std::move(t.path), std::move(t.library), std::move(t.state),
                               std::move(t.reason), std::move(t.functions)});
      }
      in.processes.push_back(std::move(process));
    }
    for (uint32_t kind = 0; kind < HL_EV_KIND_MAX; ++kind) {
      if (const char* name = metrics::EventKindName(kind)) in.events[name] = s.event_counters.events(kind);
    }
    for (const auto& [reason, count] : s.Losses().ByReason()) in.lost[reason] = count;
    in.http_fast_path = s.options.http_fast_path;
    if (in.http_fast_path) {
      const auto fast = s.probes.ReadFastOutcomes();
      for (uint32_t i = 0; i < fast.size(); ++i) {
        if (const char* name = metrics::FastOutcomeName(i)) in.http_fast_path_outcomes[name] = fast[i];
      }
    }
    return server::RenderStatus(std::move(in));
  };
}

std::function<std::string(const server::ApiQuery&)> SlowQueriesJson(Stages& s) {
  const double threshold_seconds = static_cast<double>(s.options.slow_query_threshold_ns) / 1e9;
  return [&s, threshold_seconds](const server::ApiQuery& q) {
    return s.slow_queries.ToJson({q.service, q.system, q.limit ? q.limit : s.options.slow_queries_kept},
                                 threshold_seconds);
  };
}

std::function<std::string(const server::ApiQuery&)> RoutesJson(Stages& s) {
  return [&s](const server::ApiQuery& q) { return s.route_stats.ToJson({q.service, q.limit ? q.limit : 100}); };
}

}  // namespace

server::Endpoints MakeEndpoints(const EndpointSources& sources) {
  server::Endpoints endpoints;
  endpoints.metrics = MetricsText(sources.scraper);
  endpoints.healthy = [&loop = sources.loop] { return loop.Healthy(); };
  endpoints.not_ready_reason = [&ready = sources.readiness] { return ready.NotReadyReason(); };
  endpoints.status_json = StatusJson(sources.stages);
  endpoints.slow_queries_json = SlowQueriesJson(sources.stages);
  endpoints.routes_json = RoutesJson(sources.stages);
  return endpoints;
}

}  // namespace hostlens::app
