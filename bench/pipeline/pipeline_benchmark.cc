// The agent's userspace pipeline alone, without the kernel: ring-buffer records built from the
// real wire captures in tests/fixtures/ are replayed through events::Dispatcher →
// conn::ConnectionTable (detection, protocol parsers, matchers) → events::MetricsSink (metric
// families in a real prometheus::Registry, slow-query log, route stats, fan-out), wired as
// agent/main.cc wires them. Reports events per second on one core (the event loop is one
// thread; Google Benchmark's rates divide by the benchmark thread's CPU time), and requests per
// second.
//
// Each capture record becomes one hl_data_event laid out as the kernel writes it (fixed part,
// head = first min(length, 4096) bytes, tail = last min(16, length - head) bytes), framed by a
// connection open and close; 32 connections are interleaved record by record, as concurrent
// clients are in the ring buffer. Before timing, each stream is replayed once and the metrics are
// checked against the capture's own request count: a pipeline that dropped requests would fail
// the benchmark instead of looking fast.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/conn/connection_table.h"
#include "agent/events/dispatcher.h"
#include "agent/events/metrics_sink.h"
#include "agent/host/procfs.h"
#include "agent/inspector/request_fanout.h"
#include "agent/inspector/route_stats.h"
#include "agent/inspector/slow_queries.h"
#include "agent/metrics/db_metrics.h"
#include "agent/metrics/http_metrics.h"
#include "agent/metrics/self_metrics.h"
#include "agent/targets/process_table.h"
#include "tests/unit/protocols/fixture.h"

namespace hostlens::bench {
namespace {

constexpr uint32_t kServerTgid = 4001;  // "nginx": the HTTP server side
constexpr uint32_t kClientTgid = 4002;  // "app": the database and cache client side
constexpr size_t kCaptureBytes = 4096;  // the agent's default --capture-bytes
constexpr int kConcurrentConnections = 32;

class NoKernelSet : public targets::TrackedSet {
 public:
  bool Track(uint32_t, uint32_t) override { return true; }
  void Untrack(uint32_t) override {}
};

class NoKernelConnections : public conn::KernelConnections {
 public:
  void Ignore(uint32_t, int32_t, uint64_t) override {}
  void Forget(uint32_t, int32_t) override {}
};

// Ring-buffer records, back to back; offsets_[i] is where record i starts.
class RecordStream {
 public:
  void Append(const hl_http_fast_event& e) {
    offsets_.push_back(bytes_.size());
    bytes_.append(reinterpret_cast<const char*>(&e), sizeof(e));
  }
  void Append(const hl_conn_event& e) {
    offsets_.push_back(bytes_.size());
    bytes_.append(reinterpret_cast<const char*>(&e), sizeof(e));
  }
  // The kernel writes the fixed part and only the captured bytes.
  void Append(const hl_data_event& e, std::string_view head, std::string_view tail) {
    offsets_.push_back(bytes_.size());
    bytes_.append(reinterpret_cast<const char*>(&e), HL_DATA_EVENT_FIXED_SIZE);
    bytes_.append(head);
    bytes_.append(tail);
  }
  size_t size() const { return offsets_.size(); }
  const char* data(size_t i) const { return bytes_.data() + offsets_[i]; }
  size_t length(size_t i) const {
    return (i + 1 < offsets_.size() ? offsets_[i + 1] : bytes_.size()) - offsets_[i];
  }

 private:
  std::string bytes_;
  std::vector<size_t> offsets_;
};

// One connection's conversation, replayed `repeat` times between its open and close (keep-alive
// HTTP, pipelined Redis) or once (PostgreSQL: a session starts with its startup and auth).
struct Conversation {
  std::string protocol;  // fixture folder
  std::string name;      // fixture file without .txt
  size_t repeat = 1;
  // HTTP: each exchange as the kernel's fast path sends it, one compact record (from the
  // capture's `# exchange: METHOD TARGET STATUS` lines), instead of its payloads.
  bool compact = false;
};

struct Workload {
  std::vector<Conversation> conversations;  // one per connection, cycled
  size_t connections = 0;
};

struct BuiltStream {
  RecordStream records;
  uint64_t requests = 0;       // what the captures' clients saw, times repetitions
  uint64_t http_requests = 0;  // the part of `requests` that is HTTP (server side)
  uint64_t db_requests = 0;    // database and cache operations (client side)
};

// `# exchange:` (HTTP), `# query:` (SQL) or `# command:` (Redis, memcached) lines.
const char* RequestTag(const std::string& protocol) {
  if (protocol == "http1") return "exchange";
  if (protocol == "postgres" || protocol == "mysql") return "query";
  return "command";
}

uint16_t ServerPort(const std::string& protocol) {
  if (protocol == "postgres") return 5432;
  if (protocol == "mysql") return 3306;
  if (protocol == "redis") return 6379;
  if (protocol == "memcached") return 11211;
  return 80;
}

BuiltStream Build(const Workload& workload) {
  struct Loaded {
    protocols::test_util::RecordedCapture<std::string> capture;
    Conversation conversation;
  };
  std::vector<Loaded> loaded;
  for (const auto& c : workload.conversations) {
    loaded.push_back({protocols::test_util::LoadRecordedCapture<std::string>(
                          c.protocol, c.name, RequestTag(c.protocol),
                          [](const std::string& rest) { return rest; }),
                      c});
  }

  BuiltStream built;
  uint64_t ts = 1'000'000'000;
  for (size_t first = 0; first < workload.connections; first += kConcurrentConnections) {
    const size_t batch = std::min<size_t>(kConcurrentConnections, workload.connections - first);
    // Events of one batch of concurrent connections, round-robin, one record at a time.
    struct Record {
      hl_data_event e{};
      std::string captured;
      bool fast = false;
      hl_http_fast_event f{};
    };
    std::vector<std::vector<Record>> data(batch);
    std::vector<hl_conn_event> opens(batch);
    for (size_t k = 0; k < batch; ++k) {
      const size_t index = first + k;
      const Loaded& l = loaded[index % loaded.size()];
      const bool server = l.conversation.protocol == "http1";
      hl_conn_event open{};
      open.hdr.kind = HL_EV_CONN_OPEN;
      open.hdr.tgid = server ? kServerTgid : kClientTgid;
      open.hdr.tid = open.hdr.tgid;
      open.generation = index + 1;
      open.fd = static_cast<int32_t>(100 + k);
      open.family = AF_INET;
      open.role = server ? HL_ROLE_SERVER : HL_ROLE_CLIENT;
      const uint16_t port = ServerPort(l.conversation.protocol);
      open.local_port = server ? port : static_cast<uint16_t>(40000 + k);
      open.remote_port = server ? static_cast<uint16_t>(40000 + k) : port;
      const uint8_t loopback[4] = {127, 0, 0, 1};
      std::memcpy(open.local_addr, loopback, 4);
      std::memcpy(open.remote_addr, loopback, 4);
      opens[k] = open;
      for (size_t r = 0; r < l.conversation.repeat && l.conversation.compact; ++r) {
        for (const std::string& exchange : l.capture.expected) {
          std::istringstream fields(exchange);
          std::string method, target;
          int status = 0;
          fields >> method >> target >> status;
          Record rec;
          rec.fast = true;
          hl_http_fast_event& f = rec.f;
          f.hdr.kind = HL_EV_HTTP_EXCHANGE;
          f.hdr.tgid = open.hdr.tgid;
          f.hdr.tid = open.hdr.tid;
          f.generation = open.generation;
          f.fd = open.fd;
          f.method = method == "GET" ? HL_HTTP_GET : HL_HTTP_HEAD;
          f.minor_version = 1;
          f.status = static_cast<uint16_t>(status);
          const std::string path = target.substr(0, target.find('?'));
          f.path_len = static_cast<uint16_t>(path.size());
          std::memcpy(f.path, path.data(), path.size());
          data[k].push_back(std::move(rec));
        }
      }
      for (size_t r = 0; r < l.conversation.repeat && !l.conversation.compact; ++r) {
        for (const auto& record : l.capture.records) {
          hl_data_event e{};
          e.hdr.kind = HL_EV_DATA;
          e.hdr.tgid = open.hdr.tgid;
          e.hdr.tid = open.hdr.tid;
          e.generation = open.generation;
          e.fd = open.fd;
          e.length = record.bytes.size();
          // The server reads what the client sent; the client writes it.
          const bool ingress = server ? record.from_client : !record.from_client;
          e.direction = ingress ? HL_DIR_INGRESS : HL_DIR_EGRESS;
          e.role = open.role;
          e.syscall = ingress ? HL_SYS_RECVFROM : HL_SYS_SENDTO;
          const size_t head = std::min(record.bytes.size(), kCaptureBytes);
          const size_t tail = std::min<size_t>(HL_TAIL_LEN, record.bytes.size() - head);
          e.head_len = static_cast<uint16_t>(head);
          e.tail_len = static_cast<uint16_t>(tail);
          std::string captured = record.bytes.substr(0, head);
          captured += record.bytes.substr(record.bytes.size() - tail);
          data[k].push_back(Record{e, std::move(captured)});
        }
      }
      const uint64_t requests = l.capture.expected.size() * l.conversation.repeat;
      built.requests += requests;
      (server ? built.http_requests : built.db_requests) += requests;
    }
    for (size_t k = 0; k < batch; ++k) {
      opens[k].hdr.ts_ns = ts += 1000;
      built.records.Append(opens[k]);
    }
    for (size_t step = 0;; ++step) {
      bool any = false;
      for (size_t k = 0; k < batch; ++k) {
        if (step >= data[k].size()) continue;
        any = true;
        Record& rec = data[k][step];
        if (rec.fast) {
          rec.f.request_ts_ns = ts + 500;
          rec.f.hdr.ts_ns = ts += 1000;
          built.records.Append(rec.f);
          continue;
        }
        auto& e = rec.e;
        e.hdr.ts_ns = ts += 1000;
        built.records.Append(e, std::string_view(rec.captured).substr(0, e.head_len),
                             std::string_view(rec.captured).substr(e.head_len));
      }
      if (!any) break;
    }
    for (size_t k = 0; k < batch; ++k) {
      hl_conn_event close = opens[k];
      close.hdr.kind = HL_EV_CONN_CLOSE;
      close.hdr.ts_ns = ts += 1000;
      built.records.Append(close);
    }
  }
  return built;
}

// The agent's userspace, wired as in agent/main.cc (defaults for every limit).
class Pipeline {
 public:
  Pipeline()
      : procfs_("/nonexistent"),
        processes_({*config::Selector::ForExe("/bench/(nginx|app)$")}, procfs_, kernel_set_,
                   /*self_pid=*/1),
        event_counters_(registry_),
        http_metrics_(registry_, *metrics::RouteTemplater::Create({}, nullptr), {}),
        db_metrics_(registry_, metrics::DbMetricsLimits{}),
        sink_({http_metrics_, db_metrics_, slow_queries_, route_stats_, fan_out_, 100'000'000,
               nullptr, {}}),
        connections_(
            [this](uint32_t tgid) { return processes_.ServiceOf(static_cast<int>(tgid)); },
            kernel_connections_, sink_),
        dispatcher_(processes_, connections_, event_counters_) {
    // The two processes arrive as the kernel reports them: an exec matched by --exe.
    for (auto [tgid, exe] : {std::pair{kServerTgid, "/bench/nginx"}, {kClientTgid, "/bench/app"}}) {
      hl_proc_exec_event exec{};
      exec.hdr.kind = HL_EV_PROC_EXEC;
      exec.hdr.tgid = tgid;
      exec.tracked_state = HL_TRACK_ON;
      std::strncpy(exec.filename, exe, sizeof(exec.filename) - 1);
      dispatcher_.Handle(&exec, sizeof(exec));
    }
  }

  void Replay(const RecordStream& records) {
    for (size_t i = 0; i < records.size(); ++i) dispatcher_.Handle(records.data(i), records.length(i));
  }

  // Observations counted by the HTTP server and database/cache duration histograms.
  std::pair<uint64_t, uint64_t> Counted() {
    uint64_t http = 0, db = 0;
    for (const auto& family : registry_.Collect()) {
      uint64_t* total = family.name == "http_server_request_duration_seconds"    ? &http
                        : family.name == "db_client_operation_duration_seconds" ? &db
                                                                                : nullptr;
      if (total == nullptr) continue;
      for (const auto& metric : family.metric) *total += metric.histogram.sample_count;
    }
    return {http, db};
  }
  uint64_t parse_errors() const { return event_counters_.parse_errors(); }
  const conn::ConnectionTableStats& stats() const { return connections_.stats(); }

 private:
  host::Procfs procfs_;
  NoKernelSet kernel_set_;
  targets::ProcessTable processes_;
  prometheus::Registry registry_;
  metrics::EventCounters event_counters_;
  metrics::HttpMetrics http_metrics_;
  metrics::DbMetrics db_metrics_;
  inspector::SlowQueryLog slow_queries_;
  inspector::RouteStats route_stats_;
  inspector::RequestFanOut fan_out_;
  events::MetricsSink sink_;
  NoKernelConnections kernel_connections_;
  conn::ConnectionTable connections_;
  events::Dispatcher dispatcher_;
};

// "" when a fresh pipeline counts exactly the captures' requests, else what went wrong.
std::string Verify(const std::string& label, const BuiltStream& stream) {
  Pipeline pipeline;
  pipeline.Replay(stream.records);
  auto [http, db] = pipeline.Counted();
  const auto& s = pipeline.stats();
  if (http != stream.http_requests || db != stream.db_requests || pipeline.parse_errors() != 0 ||
      s.parse_resyncs.load() != 0 || s.unmatched_data.load() != 0) {
    return (
        label + ": the pipeline did not count the captures' requests: http " +
        std::to_string(http) + "/" + std::to_string(stream.http_requests) + ", db " +
        std::to_string(db) + "/" + std::to_string(stream.db_requests) + ", parse errors " +
        std::to_string(pipeline.parse_errors()) + ", resyncs " +
        std::to_string(s.parse_resyncs.load()) + ", unmatched data " +
        std::to_string(s.unmatched_data.load()));
  }
  return "";
}

void Run(benchmark::State& state, const std::string& label, const Workload& workload) {
  const BuiltStream stream = Build(workload);
  if (std::string error = Verify(label, stream); !error.empty()) {
    state.SkipWithError(error.c_str());
    for (auto _ : state) {
    }
    return;
  }
  // One pipeline for the whole run, as in the agent: metric series and the route cache stay warm.
  Pipeline pipeline;
  for (auto _ : state) pipeline.Replay(stream.records);
  const double iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(iterations * stream.records.size()));
  state.counters["events/s"] =
      benchmark::Counter(iterations * stream.records.size(), benchmark::Counter::kIsRate);
  state.counters["requests/s"] =
      benchmark::Counter(iterations * stream.requests, benchmark::Counter::kIsRate);
  state.counters["events/request"] =
      static_cast<double>(stream.records.size()) / static_cast<double>(stream.requests);
}

const Workload kHttpKeepAlive{{{"http1", "nginx_keepalive_get", 100}}, 256};
const Workload kHttpCompact{{{"http1", "nginx_keepalive_get", 100, /*compact=*/true}}, 256};
const Workload kPgbench{{{"postgres", "pgbench_simple", 1},
                         {"postgres", "pgbench_extended", 1},
                         {"postgres", "pgbench_prepared", 1}},
                        768};
const Workload kRedisPipelined{{{"redis", "benchmark_pipeline", 25}}, 256};
const Workload kMixed{{{"http1", "nginx_keepalive_get", 100},
                       {"postgres", "pgbench_prepared", 1},
                       {"redis", "benchmark_pipeline", 25}},
                      768};

void BM_HttpKeepAlive(benchmark::State& state) { Run(state, "http1", kHttpKeepAlive); }
void BM_HttpCompact(benchmark::State& state) { Run(state, "http1 compact", kHttpCompact); }
void BM_PgbenchSessions(benchmark::State& state) { Run(state, "postgres", kPgbench); }
void BM_RedisPipelined(benchmark::State& state) { Run(state, "redis", kRedisPipelined); }
void BM_Mixed(benchmark::State& state) { Run(state, "mixed", kMixed); }

BENCHMARK(BM_HttpKeepAlive)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HttpCompact)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PgbenchSessions)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RedisPipelined)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Mixed)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hostlens::bench

BENCHMARK_MAIN();
