#pragma once

#include <spdlog/common.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "agent/config/web_config.h"
#include "agent/metrics/route_template.h"

namespace hostlens::config {

// One rule that picks the processes to trace. A process is traced under the first selector that
// matches it (see selector_match.h), so the order of Options::selectors matters.
struct Selector {
  enum class Kind { kPid, kPort, kExe };

  static Selector ForPid(int pid, std::string service_name = {});
  static Selector ForPort(uint16_t port, std::string service_name = {});
  // Nullopt if `pattern` is not a valid ECMAScript regex; `error` (optional) then says why.
  static std::optional<Selector> ForExe(std::string pattern, std::string service_name = {},
                                        std::string* error = nullptr);

  // For logs and the status API: "pid 1234", "port 8000", "exe /gunicorn$/ as api".
  std::string Describe() const;

  Kind kind = Kind::kPid;
  int pid = 0;              // kPid: that process and its descendants
  uint16_t port = 0;        // kPort: processes with a listening TCP socket on it
  std::string exe_pattern;  // kExe: searched (std::regex_search) in the resolved /proc/PID/exe
  // Shared so that copying Options does not recompile the regex.
  std::shared_ptr<const std::regex> exe_regex;
  std::string service_name;  // empty = use the executable's base name
};

struct Options {
  // "0.0.0.0:9477", or "[::1]:9477" for IPv6; the form CivetWeb's listening_ports expects.
  std::string ListenAddress() const;

  std::string listen_host = "0.0.0.0";  // numeric IPv4 or IPv6 address, no brackets
  uint16_t listen_port = 9477;
  std::vector<Selector> selectors;  // none = every process except hostlens itself
  std::string procfs = "/proc";
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::string config_path;                // empty if none
  uint32_t ring_buffer_bytes = 8u << 20;  // power of two and a multiple of the page size
  uint32_t max_tracked_processes = 65536;
  // How many leading bytes of each socket read or write the kernel copies for protocol parsing:
  // kMinCaptureBytes..kMaxCaptureBytes (value_parsers.h), the latter being HL_CAPTURE_MAX.
  uint32_t capture_bytes = 4096;
  // http_route label rules: the config file's patterns and excludes first, then the flags'.
  // Each one has been checked with metrics::RouteTemplater::Create.
  metrics::RouteRules route_rules;
  // Distinct http_route values per service; later ones are recorded as "__other__".
  size_t max_routes_per_service = 500;
  // SQL queries at least this long (ns) are slow: counted, and kept for /api/v1/slow-queries.
  uint64_t slow_query_threshold_ns = 100'000'000;
  size_t slow_queries_kept = 200;
  // Keep SQL text as sent (literals included) for /api/v1/slow-queries' sample_sql. Off by
  // default: no literal leaves the host unless asked for.
  bool capture_literals = false;
  // The kernel's HTTP/1 fast path (include/hostlens/abi/http_fast.h): one compact record per
  // simple exchange on a server connection instead of its payloads.
  bool http_fast_path = true;
  // Once the probes are attached, drop every capability the running agent no longer needs
  // (agent/app/capabilities.h); --keep-capabilities keeps them.
  bool drop_capabilities = true;
  // Kernel BPF features to do without even where the kernel has them, so that their fallbacks
  // can be tested (and used) anywhere: names from bpf::OptionalKernelFeatures().
  std::set<std::string> without_kernel_features;
  // --web-config-file: TLS and Basic auth for the HTTP endpoint; nullopt = plain HTTP, open.
  std::optional<WebConfig> web_config;
  std::string web_config_path;  // empty if none
  // /healthz and /readyz without credentials (kubelet probes cannot send them).
  bool web_open_health = false;
};

}  // namespace hostlens::config
