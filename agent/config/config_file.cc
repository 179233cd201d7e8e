#include "agent/config/config_file.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <utility>

#include "agent/config/yaml_document.h"

namespace hostlens::config {
namespace {

constexpr std::string_view kTopLevelKeys =
    "listen, log_level, procfs, ring_buffer_size, max_tracked_processes, capture_bytes, "
    "capture_literals, selectors, http, db";
constexpr std::string_view kSelectorKeys = "service_name, pid, port, exe";
constexpr std::string_view kHttpKeys = "routes, exclude_routes, max_routes_per_service";
constexpr std::string_view kDbKeys = "slow_query_threshold, slow_queries_kept";

// The --config file's reader (YamlReader: the first problem, with its line).
class SettingsReader : public YamlReader {
 public:
  bool Read(const YAML::Node& root, FileSettings* settings) {
    if (root.IsNull()) return true;
    if (!root.IsMap()) {
      return Fail(root.Mark(),
                  "expected a mapping of settings (key: value), got " + DescribeNode(root));
    }
    std::set<std::string> seen;
    for (const auto& entry : root) {
      std::string key;
      if (!ReadKey(entry.first, &seen, &key)) return false;
      bool ok = true;
      if (key == "listen") {
        ok = ReadValue(entry, ParseListenAddress, &settings->listen);
      } else if (key == "log_level") {
        ok = ReadValue(entry, ParseLogLevel, &settings->log_level);
      } else if (key == "procfs") {
        ok = ReadProcfs(entry, &settings->procfs);
      } else if (key == "ring_buffer_size") {
        ok = ReadValue(entry, ParseRingBufferSize, &settings->ring_buffer_bytes);
      } else if (key == "max_tracked_processes") {
        ok = ReadValue(entry, ParseMaxTrackedProcesses, &settings->max_tracked_processes);
      } else if (key == "capture_bytes") {
        ok = ReadValue(entry, ParseCaptureBytes, &settings->capture_bytes);
      } else if (key == "selectors") {
        ok = ReadSelectors(entry.second, &settings->selectors);
      } else if (key == "capture_literals") {
        ok = ReadValue(entry, ParseSwitch, &settings->capture_literals);
      } else if (key == "http") {
        ok = ReadHttp(entry.second, settings);
      } else if (key == "db") {
        ok = ReadDb(entry.second, settings);
      } else {
        ok = Fail(entry.first.Mark(),
                  "unknown key " + Quote(key) + " (known: " + std::string(kTopLevelKeys) + ")");
      }
      if (!ok) return false;
    }
    return true;
  }

 private:
  using Entry = std::pair<YAML::Node, YAML::Node>;

  // An empty value ("key:") has no position of its own worth showing: yaml-cpp places it on the
  // next line. Problems with it are reported on the key's line.
  bool ReadScalar(const Entry& entry, std::string* text) {
    const auto& [key, value] = entry;
    if (value.IsNull()) return Fail(key.Mark(), key.Scalar() + ": missing value");
    if (!value.IsScalar()) {
      return Fail(value.Mark(), key.Scalar() + ": expected a single value, got " + DescribeNode(value));
    }
    *text = value.Scalar();
    return true;
  }

  template <typename T>
  bool ReadValue(const Entry& entry, std::optional<T> (*parse)(std::string_view, std::string*),
                 std::optional<T>* out) {
    std::string text;
    if (!ReadScalar(entry, &text)) return false;
    std::string error;
    *out = parse(text, &error);
    if (!*out) return Fail(entry.second.Mark(), entry.first.Scalar() + ": " + error);
    return true;
  }

  // A list of single values, each checked by `parse`; `what` names an item in errors ("a regex
  // like ^/healthz$").
  bool ReadList(const Entry& entry,
                std::optional<std::string> (*parse)(std::string_view, std::string*),
                std::string_view what, std::vector<std::string>* out) {
    const auto& [key, list] = entry;
    // As with "selectors:", an empty list is what is left after commenting out every item.
    if (list.IsNull()) return true;
    if (!list.IsSequence()) {
      return Fail(list.Mark(), key.Scalar() + ": expected a list, got " + DescribeNode(list));
    }
    for (const YAML::Node& item : list) {
      // Like an empty value (see ReadScalar), an empty item ("-" alone) is placed on the next
      // line by yaml-cpp: it is reported on the key's line.
      if (item.IsNull()) return Fail(key.Mark(), key.Scalar() + ": a list item is empty");
      if (!item.IsScalar()) {
        return Fail(item.Mark(),
                    key.Scalar() + ": expected " + std::string(what) + ", got " + DescribeNode(item));
      }
      std::string error;
      std::optional<std::string> value = parse(item.Scalar(), &error);
      if (!value) return Fail(item.Mark(), key.Scalar() + ": " + error);
      out->push_back(std::move(*value));
    }
    return true;
  }

  bool ReadHttp(const YAML::Node& section, FileSettings* settings) {
    // An empty "http:" is what is left after commenting out every setting; it sets nothing.
    if (section.IsNull()) return true;
    if (!section.IsMap()) {
      return Fail(section.Mark(),
                  "http: expected a mapping of settings (key: value), got " + DescribeNode(section));
    }
    std::set<std::string> seen;
    for (const auto& entry : section) {
      std::string key;
      if (!ReadKey(entry.first, &seen, &key)) return false;
      bool ok = true;
      if (key == "routes") {
        ok = ReadList(entry, ParseRoutePattern, "a route pattern like /api/users/{id}/",
                      &settings->route_rules.patterns);
      } else if (key == "exclude_routes") {
        ok = ReadList(entry, ParseExcludeRoute, "a regex like ^/healthz$",
                      &settings->route_rules.exclude);
      } else if (key == "max_routes_per_service") {
        ok = ReadValue(entry, ParseMaxRoutesPerService, &settings->max_routes_per_service);
      } else {
        ok = Fail(entry.first.Mark(),
                  "unknown http key " + Quote(key) + " (known: " + std::string(kHttpKeys) + ")");
      }
      if (!ok) return false;
    }
    return true;
  }

  bool ReadDb(const YAML::Node& section, FileSettings* settings) {
    if (section.IsNull()) return true;
    if (!section.IsMap()) {
      return Fail(section.Mark(),
                  "db: expected a mapping of settings (key: value), got " + DescribeNode(section));
    }
    std::set<std::string> seen;
    for (const auto& entry : section) {
      std::string key;
      if (!ReadKey(entry.first, &seen, &key)) return false;
      bool ok = true;
      if (key == "slow_query_threshold") {
        ok = ReadValue(entry, ParseSlowQueryThreshold, &settings->slow_query_threshold_ns);
      } else if (key == "slow_queries_kept") {
        ok = ReadValue(entry, ParseSlowQueriesKept, &settings->slow_queries_kept);
      } else {
        ok = Fail(entry.first.Mark(),
                  "unknown db key " + Quote(key) + " (known: " + std::string(kDbKeys) + ")");
      }
      if (!ok) return false;
    }
    return true;
  }

  bool ReadProcfs(const Entry& entry, std::optional<std::string>* out) {
    std::string path;
    if (!ReadScalar(entry, &path)) return false;
    std::string error;
    if (!CheckDirectory(path, &error)) return Fail(entry.second.Mark(), "procfs: " + error);
    *out = std::move(path);
    return true;
  }

  bool ReadSelectors(const YAML::Node& list, std::vector<Selector>* selectors) {
    // An empty "selectors:" is what is left after commenting out every item; it means none.
    if (list.IsNull()) return true;
    if (!list.IsSequence()) {
      return Fail(list.Mark(), "selectors: expected a list, got " + DescribeNode(list));
    }
    for (const YAML::Node& item : list) {
      Selector selector;
      if (!ReadSelector(item, &selector)) return false;
      selectors->push_back(std::move(selector));
    }
    return true;
  }

  bool ReadSelector(const YAML::Node& item, Selector* selector) {
    if (!item.IsMap()) {
      return Fail(item.Mark(),
                  "selectors: expected a mapping like {service_name: api, port: 8080}"
                  ", got " +
                      DescribeNode(item));
    }
    std::set<std::string> seen;
    std::optional<std::string> service_name;
    std::vector<std::string> kinds;  // which of pid/port/exe were given, to name them in errors
    for (const auto& entry : item) {
      std::string key;
      if (!ReadKey(entry.first, &seen, &key)) return false;
      if (key != "service_name" && key != "pid" && key != "port" && key != "exe") {
        return Fail(entry.first.Mark(), "unknown selector key " + Quote(key) +
                                            " (known: " + std::string(kSelectorKeys) + ")");
      }
      std::string text;
      if (!ReadScalar(entry, &text)) return false;
      if (key == "service_name") {
        if (text.empty()) return Fail(entry.second.Mark(), "service_name: must not be empty");
        service_name = std::move(text);
        continue;
      }
      kinds.push_back(key);
      std::string error;
      std::optional<Selector> parsed = ParseTarget(key, text, &error);
      if (!parsed) return Fail(entry.second.Mark(), key + ": " + error);
      *selector = std::move(*parsed);
    }
    if (kinds.size() != 1) {
      return Fail(item.Mark(),
                  "selector needs exactly one of pid, port, exe; it has " + JoinKinds(kinds));
    }
    if (!service_name) return Fail(item.Mark(), "selector needs a service_name");
    selector->service_name = std::move(*service_name);
    return true;
  }

  static std::optional<Selector> ParseTarget(const std::string& kind, const std::string& text,
                                             std::string* error) {
    if (kind == "pid") {
      const std::optional<int> pid = ParsePid(text, error);
      return pid ? std::optional(Selector::ForPid(*pid)) : std::nullopt;
    }
    if (kind == "port") {
      const std::optional<uint16_t> port = ParsePort(text, error);
      return port ? std::optional(Selector::ForPort(*port)) : std::nullopt;
    }
    return ParseExeSelector(text, error);
  }

  // {} -> "none", {pid, exe} -> "pid and exe", {pid, port, exe} -> "pid, port and exe"
  static std::string JoinKinds(const std::vector<std::string>& kinds) {
    if (kinds.empty()) return "none";
    std::string joined = kinds[0];
    for (size_t i = 1; i < kinds.size(); ++i) {
      joined += (i + 1 == kinds.size() ? " and " : ", ") + kinds[i];
    }
    return joined;
  }
};

ConfigFileResult Failure(std::string_view source_name, std::string_view problem) {
  ConfigFileResult result;
  result.error = SourceError(source_name, problem);
  return result;
}

}  // namespace

ConfigFileResult ParseConfigFile(std::string_view yaml, std::string_view source_name) {
  std::string problem;
  std::optional<YAML::Node> document = LoadSingleDocument(yaml, &problem);
  if (!document) return Failure(source_name, problem);

  FileSettings settings;
  SettingsReader reader;
  if (!reader.Read(*document, &settings)) {
    return Failure(source_name, reader.problem());
  }
  return ConfigFileResult{std::move(settings), {}};
}

ConfigFileResult LoadConfigFile(const std::string& path) {
  std::string text, problem;
  if (!ReadSmallFile(path, "the config file", &text, &problem)) return Failure(path, problem);
  return ParseConfigFile(text, path);
}

void ApplyFileSettings(const FileSettings& settings, Options* options) {
  if (settings.listen) {
    options->listen_host = settings.listen->host;
    options->listen_port = settings.listen->port;
  }
  if (settings.log_level) options->log_level = *settings.log_level;
  if (settings.procfs) options->procfs = *settings.procfs;
  if (settings.ring_buffer_bytes) options->ring_buffer_bytes = *settings.ring_buffer_bytes;
  if (settings.max_tracked_processes) {
    options->max_tracked_processes = *settings.max_tracked_processes;
  }
  if (settings.capture_bytes) options->capture_bytes = *settings.capture_bytes;
  if (settings.max_routes_per_service) {
    options->max_routes_per_service = *settings.max_routes_per_service;
  }
  if (settings.slow_query_threshold_ns) {
    options->slow_query_threshold_ns = *settings.slow_query_threshold_ns;
  }
  if (settings.slow_queries_kept) options->slow_queries_kept = *settings.slow_queries_kept;
  if (settings.capture_literals) options->capture_literals = *settings.capture_literals;
  std::vector<std::string>& patterns = options->route_rules.patterns;
  patterns.insert(patterns.begin(), settings.route_rules.patterns.begin(),
                  settings.route_rules.patterns.end());
  std::vector<std::string>& exclude = options->route_rules.exclude;
  exclude.insert(exclude.begin(), settings.route_rules.exclude.begin(),
                 settings.route_rules.exclude.end());
  options->selectors.insert(options->selectors.begin(), settings.selectors.begin(),
                            settings.selectors.end());
}

}  // namespace hostlens::config
