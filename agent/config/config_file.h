#pragma once

#include <spdlog/common.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/options.h"
#include "agent/config/value_parsers.h"
#include "agent/metrics/route_template.h"

namespace hostlens::config {

// The settings a YAML config file sets; a setting the file leaves out stays empty so that
// defaults and command-line flags can be layered around it.
struct FileSettings {
  std::optional<ListenAddress> listen;
  std::optional<spdlog::level::level_enum> log_level;
  std::optional<std::string> procfs;
  std::optional<uint32_t> ring_buffer_bytes;
  std::optional<uint32_t> max_tracked_processes;
  std::optional<uint32_t> capture_bytes;
  std::vector<Selector> selectors;  // each with a service_name
  // The "http:" section.
  metrics::RouteRules route_rules;  // each entry checked by metrics::RouteTemplater::Create
  std::optional<size_t> max_routes_per_service;
  // The "db:" section.
  std::optional<uint64_t> slow_query_threshold_ns;
  std::optional<size_t> slow_queries_kept;
  std::optional<bool> capture_literals;
};

struct ConfigFileResult {
  std::optional<FileSettings> settings;
  // When settings is empty: one line, "<source>: line N: <problem>" (or "<source>: <problem>").
  std::string error;
};

// Strict: unknown or duplicate keys, wrong types and invalid values are errors, so that a typo
// never silently falls back to a default. An empty document sets nothing.
ConfigFileResult ParseConfigFile(std::string_view yaml, std::string_view source_name);
// Reads `path` and parses it, with the path as the source name.
ConfigFileResult LoadConfigFile(const std::string& path);

// Copies what the file sets into `options`; the file's selectors, route patterns and route
// excludes go before any already there.
void ApplyFileSettings(const FileSettings& settings, Options* options);

}  // namespace hostlens::config
