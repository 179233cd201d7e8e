#include "agent/config/command_line.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <map>
#include <utility>
#include <vector>

#include "agent/config/config_file.h"
#include "agent/config/value_parsers.h"
#include "agent/config/web_config.h"

namespace hostlens::config {
namespace {

constexpr char kDescription[] =
    "hostlens: eBPF agent that turns the network traffic of unmodified processes into "
    "Prometheus metrics.";

constexpr char kFooter[] =
    "Targets: --pid, --port, --exe and the config file's selectors are tried in order, the\n"
    "config file's first; a process is traced under the first that matches. With none, every\n"
    "process except hostlens itself is traced. --route and --exclude-route add to the config\n"
    "file's lists, after its entries. Other flags override the config file.";

// A flag's raw values. Every flag collects strings and is checked by value_parsers.h, so that
// the command line and the config file reject a bad value in the same words.
struct Flag {
  CLI::Option* option = nullptr;
  std::vector<std::string> values;
};

class CommandLine {
 public:
  explicit CommandLine(std::string_view version) : app_(kDescription, "hostlens") {
    app_.allow_extras();  // reported by CheckArguments() in our own words
    app_.set_help_flag("-h,--help", "Print this help and exit");
    app_.set_version_flag("--version", "hostlens " + std::string(version),
                          "Print the version and exit");
    app_.footer(kFooter);
    app_.get_formatter()->column_width(34);  // fits "--max-tracked-processes N=65536"
    Add(&listen_, "--listen", "ADDR:PORT", "Serve /metrics on ADDR:PORT, [IPV6]:PORT or :PORT",
        "0.0.0.0:9477");
    Add(&pid_, "--pid", "PID", "Trace this process and its descendants (repeatable)");
    Add(&port_, "--port", "PORT", "Trace processes listening on this TCP port (repeatable)");
    Add(&exe_, "--exe", "REGEX",
        "Trace processes whose executable path matches this regex (repeatable)");
    Add(&config_, "--config", "FILE", "Read settings and named selectors from this YAML file");
    Add(&procfs_, "--procfs", "DIR", "Where procfs is mounted", "/proc");
    Add(&log_level_, "--log-level", "LEVEL", "trace, debug, info, warn, error or off", "info");
    Add(&ring_buffer_size_, "--ring-buffer-size", "BYTES",
        "Kernel-to-agent ring buffer: a power of two, K/M/G suffixes allowed", "8M");
    Add(&max_tracked_processes_, "--max-tracked-processes", "N", "Most processes traced at once",
        "65536");
    Add(&capture_bytes_, "--capture-bytes", "N",
        "Leading bytes of each socket read/write copied from the kernel (16-4096)", "4096");
    Add(&route_, "--route", "PATTERN",
        "HTTP route pattern such as /api/users/{id}/; first match wins (repeatable)");
    Add(&exclude_route_, "--exclude-route", "REGEX",
        "Do not record HTTP requests whose path matches this regex (repeatable)");
    Add(&max_routes_per_service_, "--max-routes-per-service", "N",
        "Distinct http_route values per service; more become __other__", "500");
    Add(&slow_query_threshold_, "--slow-query-threshold", "DURATION",
        "SQL queries at least this long are slow (counted and kept for /api/v1/slow-queries)",
        "100ms");
    Add(&without_kernel_feature_, "--without-kernel-feature", "NAME",
        "Use the fallback of this kernel BPF feature even if the kernel has it: task_storage, "
        "uprobe_multi, task_pt_regs (repeatable)");
    Add(&web_config_file_, "--web-config-file", "FILE",
        "TLS and Basic auth for the HTTP endpoint, in exporter-toolkit's web config format");
    web_open_health_option_ = app_.add_flag(
        "--web-open-health", web_open_health_,
        "Serve /healthz and /readyz without credentials (for kubelet probes)");
    capture_literals_option_ =
        app_.add_flag("--capture-literals", capture_literals_,
                      "Keep SQL text as sent, literals included, in /api/v1/slow-queries");
    keep_capabilities_option_ = app_.add_flag(
        "--keep-capabilities", keep_capabilities_,
        "Keep every capability after start (by default the agent keeps only CAP_BPF, "
        "CAP_PERFMON, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH once its probes are attached)");
    no_http_fast_path_option_ = app_.add_flag(
        "--no-http-fast-path", no_http_fast_path_,
        "Send every HTTP/1 payload to the agent instead of one compact record per exchange");
  }

  // Throws what CLI11 throws: CallForHelp, CallForVersion, ParseError.
  void Parse(int argc, const char* const argv[]) { app_.parse(argc, argv); }

  std::string Help() const { return app_.help(); }

  // Empty if the parsed flags make valid options; otherwise the problem, without "hostlens: ".
  std::string Build(Options* options) {
    if (std::string problem = CheckArguments(); !problem.empty()) return problem;
    for (const Flag* flag : {&listen_, &config_, &procfs_, &log_level_, &ring_buffer_size_,
                             &max_tracked_processes_, &capture_bytes_, &max_routes_per_service_,
                             &slow_query_threshold_, &web_config_file_}) {
      if (flag->values.size() > 1) {
        return flag->option->get_name() + ": given " + std::to_string(flag->values.size()) +
               " times; it takes one value";
      }
    }

    std::vector<Selector> flag_selectors;
    if (std::string problem = ReadSelectors(&flag_selectors); !problem.empty()) return problem;
    metrics::RouteRules flag_routes;
    if (std::string problem = ReadRouteRules(&flag_routes); !problem.empty()) return problem;
    // The file goes in first so that the flags read after it win.
    if (!config_.values.empty()) {
      const std::string& path = config_.values[0];
      ConfigFileResult file = LoadConfigFile(path);
      if (!file.settings) return "--config " + file.error;
      ApplyFileSettings(*file.settings, options);
      options->config_path = path;
    }
    if (std::string problem = ReadScalarsInto(options); !problem.empty()) return problem;
    if (!web_config_file_.values.empty()) {
      const std::string& path = web_config_file_.values[0];
      WebConfigResult web = LoadWebConfig(path);
      if (!web.config) return "--web-config-file " + web.error;
      options->web_config = std::move(*web.config);
      options->web_config_path = path;
    }
    options->selectors.insert(options->selectors.end(), flag_selectors.begin(),
                              flag_selectors.end());
    std::vector<std::string>& patterns = options->route_rules.patterns;
    patterns.insert(patterns.end(), flag_routes.patterns.begin(), flag_routes.patterns.end());
    std::vector<std::string>& exclude = options->route_rules.exclude;
    exclude.insert(exclude.end(), flag_routes.exclude.begin(), flag_routes.exclude.end());
    return {};
  }

 private:
  void Add(Flag* flag, std::string name, std::string type, std::string help,
           std::string default_text = {}) {
    // One value per occurrence, every occurrence kept: "--pid 1 2" leaves "2" as an unexpected
    // argument instead of a second pid, and repeating a single-valued flag can be refused.
    flag->option = app_.add_option(std::move(name), flag->values, std::move(help))
                       ->type_name(std::move(type))
                       ->expected(1)
                       ->allow_extra_args(false)
                       ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    if (!default_text.empty()) flag->option->default_str(std::move(default_text));
  }

  std::string CheckArguments() const {
    for (const std::string& argument : app_.remaining()) {
      if (argument == "--") continue;
      if (argument.size() > 1 && argument[0] == '-') {
        return "unknown option " + Quote(argument.substr(0, argument.find('='))) + " (see --help)";
      }
      return "unexpected argument " + Quote(argument) + "; hostlens takes no positional arguments";
    }
    return {};
  }

  // In command-line order across the three flags: the first matching selector wins, so
  // "--exe x --pid 1" must try the exe first.
  std::string ReadSelectors(std::vector<Selector>* selectors) const {
    std::map<const CLI::Option*, size_t> next_value;
    for (const CLI::Option* option : app_.parse_order()) {
      std::string error;
      std::optional<Selector> selector;
      if (option == pid_.option) {
        const std::string& text = pid_.values[next_value[option]++];
        if (std::optional<int> pid = ParsePid(text, &error)) selector = Selector::ForPid(*pid);
      } else if (option == port_.option) {
        const std::string& text = port_.values[next_value[option]++];
        if (std::optional<uint16_t> port = ParsePort(text, &error)) {
          selector = Selector::ForPort(*port);
        }
      } else if (option == exe_.option) {
        selector = ParseExeSelector(exe_.values[next_value[option]++], &error);
      } else {
        continue;
      }
      if (!selector) return option->get_name() + ": " + error;
      selectors->push_back(std::move(*selector));
    }
    return {};
  }

  // Each flag in command-line order; the two lists are independent of each other.
  std::string ReadRouteRules(metrics::RouteRules* rules) const {
    std::string error;
    for (const std::string& text : route_.values) {
      std::optional<std::string> pattern = ParseRoutePattern(text, &error);
      if (!pattern) return "--route: " + error;
      rules->patterns.push_back(std::move(*pattern));
    }
    for (const std::string& text : exclude_route_.values) {
      std::optional<std::string> regex = ParseExcludeRoute(text, &error);
      if (!regex) return "--exclude-route: " + error;
      rules->exclude.push_back(std::move(*regex));
    }
    return {};
  }

  std::string ReadScalarsInto(Options* options) const {
    std::string error;
    if (!listen_.values.empty()) {
      std::optional<ListenAddress> listen = ParseListenAddress(listen_.values[0], &error);
      if (!listen) return "--listen: " + error;
      options->listen_host = std::move(listen->host);
      options->listen_port = listen->port;
    }
    if (!procfs_.values.empty()) {
      if (!CheckDirectory(procfs_.values[0], &error)) return "--procfs: " + error;
      options->procfs = procfs_.values[0];
    }
    if (!log_level_.values.empty()) {
      std::optional<spdlog::level::level_enum> level = ParseLogLevel(log_level_.values[0], &error);
      if (!level) return "--log-level: " + error;
      options->log_level = *level;
    }
    if (!ring_buffer_size_.values.empty()) {
      std::optional<uint32_t> bytes = ParseRingBufferSize(ring_buffer_size_.values[0], &error);
      if (!bytes) return "--ring-buffer-size: " + error;
      options->ring_buffer_bytes = *bytes;
    }
    if (!max_tracked_processes_.values.empty()) {
      std::optional<uint32_t> count =
          ParseMaxTrackedProcesses(max_tracked_processes_.values[0], &error);
      if (!count) return "--max-tracked-processes: " + error;
      options->max_tracked_processes = *count;
    }
    if (!capture_bytes_.values.empty()) {
      std::optional<uint32_t> bytes = ParseCaptureBytes(capture_bytes_.values[0], &error);
      if (!bytes) return "--capture-bytes: " + error;
      options->capture_bytes = *bytes;
    }
    if (!max_routes_per_service_.values.empty()) {
      std::optional<size_t> count =
          ParseMaxRoutesPerService(max_routes_per_service_.values[0], &error);
      if (!count) return "--max-routes-per-service: " + error;
      options->max_routes_per_service = *count;
    }
    if (!slow_query_threshold_.values.empty()) {
      std::optional<uint64_t> ns = ParseSlowQueryThreshold(slow_query_threshold_.values[0], &error);
      if (!ns) return "--slow-query-threshold: " + error;
      options->slow_query_threshold_ns = *ns;
    }
    for (const std::string& text : without_kernel_feature_.values) {
      std::optional<std::string> feature = ParseKernelFeature(text, &error);
      if (!feature) return "--without-kernel-feature: " + error;
      options->without_kernel_features.insert(std::move(*feature));
    }
    // Given at all, the flag wins over the file both ways: --capture-literals=false turns off
    // the file's capture_literals: true.
    if (capture_literals_option_->count() > 0) options->capture_literals = capture_literals_;
    if (no_http_fast_path_option_->count() > 0) options->http_fast_path = !no_http_fast_path_;
    if (keep_capabilities_option_->count() > 0) options->drop_capabilities = !keep_capabilities_;
    if (web_open_health_option_->count() > 0) options->web_open_health = web_open_health_;
    return {};
  }

  CLI::App app_;
  Flag listen_, pid_, port_, exe_, config_, procfs_, log_level_, ring_buffer_size_,
      max_tracked_processes_, capture_bytes_, route_, exclude_route_, max_routes_per_service_,
      slow_query_threshold_, without_kernel_feature_, web_config_file_;
  bool capture_literals_ = false;
  CLI::Option* capture_literals_option_ = nullptr;
  bool no_http_fast_path_ = false;
  bool keep_capabilities_ = false;
  CLI::Option* keep_capabilities_option_ = nullptr;
  CLI::Option* no_http_fast_path_option_ = nullptr;
  bool web_open_health_ = false;
  CLI::Option* web_open_health_option_ = nullptr;
};

// Library messages (CLI11, regex, yaml-cpp) and user-typed paths could carry line breaks.
std::string OneLine(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

ParseResult Fail(int exit_code, std::string_view problem) {
  ParseResult result;
  result.exit_code = exit_code;
  result.error = OneLine("hostlens: " + std::string(problem));
  return result;
}

ParseResult Print(std::string output) {
  ParseResult result;
  result.output = std::move(output);
  return result;
}

}  // namespace

ParseResult ParseCommandLine(int argc, const char* const argv[], std::string_view version) {
  try {
    CommandLine command_line(version);
    try {
      command_line.Parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      return Print(command_line.Help());
    } catch (const CLI::CallForVersion& e) {
      return Print(std::string(e.what()) + "\n");
    } catch (const CLI::ParseError& e) {
      return Fail(kUsageExitCode, e.what());
    }
    Options options;
    if (std::string problem = command_line.Build(&options); !problem.empty()) {
      return Fail(kUsageExitCode, problem);
    }
    ParseResult result;
    result.options = std::move(options);
    return result;
  } catch (const std::exception& e) {
    // Not the user's fault (allocation, a CLI11 setup bug): not the usage exit code either.
    return Fail(1, std::string("internal error while reading the command line: ") + e.what());
  }
}

}  // namespace hostlens::config
