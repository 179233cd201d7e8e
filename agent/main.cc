// hostlens: flags, signals, wiring, shutdown order (server, then event
// loop, then BPF).
#include <bpf/libbpf.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <malloc.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <future>
#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "agent/bpf/preflight.h"
#include "agent/bpf/probes.h"
#include "agent/bpf/ring_buffer.h"
#include "agent/bpf/tracefs.h"
#include "agent/config/command_line.h"
#include "agent/conn/connection_table.h"
#include "agent/events/dispatcher.h"
#include "agent/events/metrics_sink.h"
#include "agent/host/host_collectors.h"
#include "agent/host/kernel_units.h"
#include "agent/host/procfs.h"
#include "agent/host/service_collector.h"
#include "agent/inspector/request_fanout.h"
#include "agent/inspector/route_stats.h"
#include "agent/inspector/slow_queries.h"
#include "agent/metrics/db_metrics.h"
#include "agent/metrics/http_metrics.h"
#include "agent/metrics/scraper.h"
#include "agent/metrics/self_metrics.h"
#include "agent/server/http_server.h"
#include "agent/server/status.h"
#include "agent/targets/process_table.h"
#include "hostlens/version.h"

namespace hostlens {
namespace {

constexpr int kExitStartup = 1;
// Also the longest a data event waits in the ring buffer: data events do not wake the loop
// (bpf/data.bpf.c) unless the ring is filling up.
constexpr int kPollTimeoutMs = 50;
constexpr auto kStallAfter = std::chrono::seconds(5);
// SIGTERM to exit, all included: Kubernetes and systemd expect it quick.
constexpr auto kStopBudget = std::chrono::milliseconds(1500);

std::atomic<bool> stop_requested{false};

void OnSignal(int) { stop_requested.store(true); }

int LibbpfPrint(libbpf_print_level level, const char* format, va_list args) {
  // Whole: a verifier log comes as one message of up to megabytes, and its last lines say why.
  va_list measure;
  va_copy(measure, args);
  const int size = vsnprintf(nullptr, 0, format, measure);
  va_end(measure);
  if (size < 0) return 0;
  std::string line(static_cast<size_t>(size) + 1, '\0');
  vsnprintf(line.data(), line.size(), format, args);
  line.resize(static_cast<size_t>(size));
  std::string_view text(line);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  spdlog::log(level == LIBBPF_WARN ? spdlog::level::warn : spdlog::level::debug, "libbpf: {}", text);
  return 0;
}

int Fail(const std::string& message) {
  std::cerr << "hostlens: " << message << "\n";
  return kExitStartup;
}

std::string KernelRelease() {
  utsname u{};
  return uname(&u) == 0 ? u.release : "unknown";
}

// Adapts the BPF connection map to what the connection table drives.
class KernelConnectionMap : public conn::KernelConnections {
 public:
  explicit KernelConnectionMap(bpf::Probes& probes) : probes_(probes) {}
  void Ignore(uint32_t tgid, int32_t fd, uint64_t generation) override {
    probes_.IgnoreConnection(tgid, fd, generation);
  }
  void Forget(uint32_t tgid, int32_t fd) override { probes_.ForgetConnection(tgid, fd); }

 private:
  bpf::Probes& probes_;
};

// Adapts the BPF tracked map to what the process table drives.
class KernelTrackedSet : public targets::TrackedSet {
 public:
  explicit KernelTrackedSet(bpf::Probes& probes) : probes_(probes) {}
  bool Track(uint32_t tgid, uint32_t selector) override { return probes_.Track(tgid, selector); }
  void Untrack(uint32_t tgid) override { probes_.Untrack(tgid); }

 private:
  bpf::Probes& probes_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int Run(const config::Options& options) {
  auto logger = spdlog::stderr_color_mt("hostlens");
  spdlog::set_default_logger(logger);
  spdlog::set_level(options.log_level);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  libbpf_set_print(&LibbpfPrint);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  if (auto error = bpf::CheckPrivileges(bpf::ReadPrivileges())) return Fail(error->message);
  bool mounted = false;
  if (auto error = bpf::EnsureTracefs(&mounted)) return Fail(error->message);
  if (mounted) spdlog::info("mounted tracefs at {} (it was not mounted)", bpf::kTracefsPath);

  bpf::ProbeConfig probe_config;
  probe_config.self_tgid = static_cast<uint32_t>(getpid());
  probe_config.ring_buffer_bytes = options.ring_buffer_bytes;
  probe_config.max_tracked_processes = options.max_tracked_processes;
  probe_config.capture_bytes = options.capture_bytes;
  probe_config.without_features = options.without_kernel_features;
  probe_config.exec_pending = options.selectors.empty();
  for (size_t i = 0; i < options.selectors.size(); ++i) {
    const auto& s = options.selectors[i];
    if (s.kind == config::Selector::Kind::kExe) probe_config.exec_pending = true;
    if (s.kind == config::Selector::Kind::kPort) {
      probe_config.listen_ports.emplace(s.port, static_cast<uint32_t>(i));
    }
  }
  auto loaded = bpf::Probes::Load(probe_config);
  if (auto* error = std::get_if<bpf::LoadError>(&loaded)) return Fail(error->message);
  auto probes = std::move(std::get<std::unique_ptr<bpf::Probes>>(loaded));
  spdlog::info("attached {} BPF programs", probes->programs().size());
  for (const auto& [feature, instead] : probes->fallbacks()) {
    spdlog::info("kernel feature {} not used: {}", feature, instead);
  }

  host::Procfs procfs(options.procfs);
  KernelTrackedSet kernel_set(*probes);
  targets::ProcessTable processes(options.selectors, procfs, kernel_set, getpid());
  processes.Seed();
  spdlog::info("tracking {} processes", processes.size());

  prometheus::Registry registry;
  metrics::EventCounters event_counters(registry);
  std::string route_error;
  auto routes = metrics::RouteTemplater::Create(options.route_rules, &route_error);
  if (!routes) return Fail("failed to compile HTTP routes: " + route_error);
  metrics::HttpMetricsLimits http_limits;
  http_limits.routes_per_service = options.max_routes_per_service;
  metrics::HttpMetrics http_metrics(registry, std::move(*routes), http_limits);
  metrics::DbMetrics db_metrics(registry, metrics::DbMetricsLimits{});
  inspector::SlowQueryLog slow_queries(options.slow_queries_kept);
  inspector::RouteStats route_stats;
  inspector::RequestFanOut fan_out;
  events::MetricsSink sink({http_metrics, db_metrics, slow_queries, route_stats, fan_out,
                            options.slow_query_threshold_ns});
  KernelConnectionMap kernel_connections(*probes);
  conn::DbStreamOptions db_options;
  db_options.capture_literals = options.capture_literals;
  conn::ConnectionTable connections(
      [&processes](uint32_t tgid) { return processes.ServiceOf(static_cast<int>(tgid)); },
      kernel_connections, sink, conn::ConnectionTable::kDefaultMaxConnections, db_options);
  events::Dispatcher dispatcher(processes, connections, event_counters);
  auto opened = bpf::RingBuffer::Open(
      probes->events_fd(), [&dispatcher](const void* data, size_t size) { dispatcher.Handle(data, size); });
  if (auto* error = std::get_if<bpf::LoadError>(&opened)) return Fail(error->message);
  auto ring_buffer = std::move(std::get<std::unique_ptr<bpf::RingBuffer>>(opened));

  std::atomic<int64_t> heartbeat_ms{NowMs()};
  std::atomic<bool> loop_stop{false};
  std::thread event_loop([&] {
    while (!loop_stop.load()) {
      int n = ring_buffer->Poll(kPollTimeoutMs);
      if (n < 0) spdlog::warn("ring buffer poll failed: {}", std::strerror(-n));
      heartbeat_ms.store(NowMs());
    }
  });

  auto losses = [&] {
    auto kernel = probes->ReadCounters();
    metrics::LossCounts l;
    l.ringbuf_full = kernel[HL_CNT_LOST_RINGBUF];
    l.map_full = kernel[HL_CNT_LOST_MAP_FULL] + processes.track_failures();
    const auto& c = connections.stats();
    l.parse = event_counters.parse_errors() + c.parse_resyncs.load();
    l.http_request_evicted = c.http_requests_evicted.load();
    l.http_response_unmatched = c.http_responses_unmatched.load();
    l.http_response_lost = c.http_responses_lost.load();
    l.db_request_evicted = c.db_requests_evicted.load();
    l.db_response_unmatched = c.db_responses_unmatched.load();
    l.db_response_lost = c.db_responses_lost.load();
    l.db_statement_unknown = c.db_statements_unknown.load();
    l.fanout_query_dropped = fan_out.dropped();
    return l;
  };

  metrics::Scraper scraper;
  scraper.Add({"self", [&](bool*) {
                 auto families = registry.Collect();
                 metrics::SelfMetricsInput in;
                 in.version = kVersion;
                 in.losses = losses();
                 in.tracked_processes = processes.size();
                 in.tracked_connections = connections.stats().open.load();
                 in.connections_evicted = connections.stats().evicted.load();
                 for (auto system : {conn::DbSystem::kPostgresql, conn::DbSystem::kMysql,
                                     conn::DbSystem::kRedis, conn::DbSystem::kMemcached}) {
                   in.db_parser_resyncs[std::string(conn::DbSystemName(system))] =
                       connections.stats().db_resyncs[static_cast<size_t>(system)].load();
                 }
                 for (const metrics::SeriesLimiter* limiter :
                      {&http_metrics.route_limiter(), &http_metrics.address_limiter(),
                       &db_metrics.address_limiter(), &db_metrics.collection_limiter(),
                       &db_metrics.error_type_limiter()}) {
                   in.series_limited[limiter->family()] += limiter->limited();
                 }
                 // Entries the JSON APIs could not keep, under the API's path.
                 in.series_limited["/api/v1/slow-queries"] = slow_queries.evicted();
                 in.series_limited["/api/v1/routes"] = route_stats.dropped();
                 for (auto& f : metrics::CollectSelfMetrics(in)) families.push_back(std::move(f));
                 return families;
               }});
  // node_exporter's collectors, one file each; a missing file fails alone.
  for (host::HostSource& source : host::HostSources(procfs, host::UserHz())) {
    scraper.Add({std::move(source.name), [collect = std::move(source.collect)](bool* ok) {
                   auto families = collect();
                   *ok = families.has_value();
                   return std::move(families).value_or(std::vector<prometheus::MetricFamily>{});
                 }});
  }
  host::ServiceCollector services(procfs);
  scraper.Add({"service", [&](bool*) {
                 auto snapshot = processes.TakeSnapshot();
                 auto result = services.Collect(snapshot.processes, snapshot.retired_cpu_seconds);
                 processes.RememberCpu(result.cpu_seconds_by_pid);
                 return std::move(result.families);
               }});

  std::mutex ready_mu;
  std::optional<std::string> not_ready = "first collection not done";
  server::Endpoints endpoints;
  endpoints.metrics = [&] {
    std::string body = scraper.Render();
    // A scrape builds megabytes of short-lived objects on whichever CivetWeb thread serves it;
    // glibc keeps each thread's freed memory in its arena. Hand it back, so the agent's RSS
    // follows its live data rather than its largest scrape times the worker threads.
    malloc_trim(0);
    return body;
  };
  endpoints.healthy = [&] {
    return NowMs() - heartbeat_ms.load() <
           std::chrono::duration_cast<std::chrono::milliseconds>(kStallAfter).count();
  };
  endpoints.not_ready_reason = [&]() -> std::optional<std::string> {
    std::lock_guard lock(ready_mu);
    return not_ready;
  };
  const std::string kernel_release = KernelRelease();
  endpoints.status_json = [&] {
    server::StatusInput in;
    in.version = kVersion;
    in.kernel_release = kernel_release;
    for (const auto& p : probes->programs()) in.programs.push_back({p.name, p.section, p.object});
    const bpf::KernelFeatures& f = probes->features();
    in.kernel_features = {{"ring_buffer", f.ring_buffer},
                          {"task_storage", f.task_storage},
                          {"get_current_task_btf", f.current_task_btf}};
    in.fallbacks = probes->fallbacks();
    for (const auto& s : options.selectors) in.selectors.push_back(s.Describe());
    for (const auto& p : processes.List()) in.processes.push_back({p.pid, p.service, p.exe});
    for (uint32_t kind = 0; kind < HL_EV_KIND_MAX; ++kind) {
      if (const char* name = metrics::EventKindName(kind)) in.events[name] = event_counters.events(kind);
    }
    for (const auto& [reason, count] : losses().ByReason()) in.lost[reason] = count;
    return server::RenderStatus(std::move(in));
  };

  const double slow_threshold_seconds = static_cast<double>(options.slow_query_threshold_ns) / 1e9;
  endpoints.slow_queries_json = [&](const server::ApiQuery& q) {
    return slow_queries.ToJson({q.service, q.system, q.limit ? q.limit : options.slow_queries_kept},
                               slow_threshold_seconds);
  };
  endpoints.routes_json = [&](const server::ApiQuery& q) {
    return route_stats.ToJson({q.service, q.limit ? q.limit : 100});
  };

  auto started = server::HttpServer::Start(options.ListenAddress(), endpoints);
  if (auto* error = std::get_if<std::string>(&started)) {
    loop_stop.store(true);
    event_loop.join();
    return Fail(*error);
  }
  auto http = std::move(std::get<std::unique_ptr<server::HttpServer>>(started));
  spdlog::info("serving http://{}/metrics (also /healthz /readyz /api/v1/status)",
               options.ListenAddress());

  scraper.Collect();
  {
    std::lock_guard lock(ready_mu);
    not_ready.reset();
  }

  while (!stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  spdlog::info("stopping");
  const auto deadline = std::chrono::steady_clock::now() + kStopBudget;
  // Server first: once closed, no handler reads what follows. CivetWeb
  // 1.15 takes up to 2 s to join its workers, so it stops alongside.
  http->Close();
  std::promise<void> http_stopped;
  std::thread http_stopper([&http, &http_stopped] {
    http.reset();
    http_stopped.set_value();
  });
  loop_stop.store(true);
  event_loop.join();
  ring_buffer.reset();
  probes.reset();
  spdlog::debug("BPF programs detached");
  if (http_stopped.get_future().wait_until(deadline) != std::future_status::ready) {
    // Everything the kernel holds is released; the remaining CivetWeb
    // workers touch nothing of ours. Exit without waiting for them.
    spdlog::debug("http server still stopping; exiting anyway");
    spdlog::shutdown();
    std::_Exit(0);
  }
  http_stopper.join();
  return 0;
}

}  // namespace
}  // namespace hostlens

int main(int argc, char** argv) {
  auto parsed = hostlens::config::ParseCommandLine(argc, argv, hostlens::kVersion);
  if (!parsed.options) {
    if (!parsed.output.empty()) std::cout << parsed.output;
    if (!parsed.error.empty()) std::cerr << parsed.error << "\n";
    return parsed.exit_code;
  }
  try {
    return hostlens::Run(*parsed.options);
  } catch (const std::exception& e) {
    std::cerr << "hostlens: unexpected error: " << e.what() << "\n";
    return 1;
  }
}
