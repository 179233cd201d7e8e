#include "agent/config/value_parsers.h"

#include <algorithm>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "agent/metrics/route_template.h"
#include "hostlens/abi/events.h"

namespace hostlens::config {

static_assert(kMaxCaptureBytes == HL_CAPTURE_MAX,
              "--capture-bytes must allow exactly what the kernel's copy buffer holds");

namespace {

// Digits only: from_chars alone would accept a leading '-' for the signed types and we want no
// sign, no blanks and no trailing garbage for every number a user types.
std::optional<uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool IsNumericAddress(int family, const std::string& host) {
  std::array<unsigned char, 16> buffer;
  return inet_pton(family, host.c_str(), buffer.data()) == 1;
}

// Control characters escaped as Quote() does, so that a message from elsewhere (one that quotes
// user text as is) stays on one line.
std::string EscapeControlCharacters(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      const std::string quoted = Quote(std::string_view(&c, 1));
      escaped += quoted.substr(1, quoted.size() - 2);
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// RouteTemplater::Create's own message ("invalid route pattern ...: why"), on one line.
std::optional<std::string> CheckRouteRules(std::string_view text, const metrics::RouteRules& rules,
                                           std::string* error) {
  std::string route_error;
  if (!metrics::RouteTemplater::Create(rules, &route_error)) {
    *error = EscapeControlCharacters(route_error);
    return std::nullopt;
  }
  return std::string(text);
}

uint32_t PageSize() {
  const long size = sysconf(_SC_PAGESIZE);
  return size > 0 ? static_cast<uint32_t>(size) : 4096;
}

}  // namespace

std::string Quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string quoted = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (c == '\n') {
      quoted += "\\n";
    } else if (c == '\t') {
      quoted += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      quoted += "\\x";
      quoted += kHex[byte >> 4];
      quoted += kHex[byte & 0xf];
    } else {
      quoted += c;
    }
  }
  quoted += '"';
  return quoted;
}

std::optional<uint16_t> ParsePort(std::string_view text, std::string* error) {
  const std::optional<uint64_t> value = ParseDecimal(text);
  if (!value || *value < 1 || *value > 65535) {
    *error = Quote(text) + " is not a port number (1-65535)";
    return std::nullopt;
  }
  return static_cast<uint16_t>(*value);
}

std::optional<int> ParsePid(std::string_view text, std::string* error) {
  const std::optional<uint64_t> value = ParseDecimal(text);
  if (!value || *value < 1 || *value > static_cast<uint64_t>(kMaxPid)) {
    *error = Quote(text) + " is not a process ID (1-" + std::to_string(kMaxPid) + ")";
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

std::optional<ListenAddress> ParseListenAddress(std::string_view text, std::string* error) {
  const std::string not_an_address =
      Quote(text) + " is not an address (ADDR:PORT, [IPV6]:PORT or :PORT)";
  std::string host;
  std::string_view port_text;
  bool bracketed = false;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *error = not_an_address;
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      *error = not_an_address;
      return std::nullopt;
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }

  std::string port_error;
  const std::optional<uint16_t> port = ParsePort(port_text, &port_error);
  if (!port) {
    *error = Quote(text) + ": " + port_error;
    return std::nullopt;
  }
  if (bracketed) {
    if (!IsNumericAddress(AF_INET6, host)) {
      *error = Quote(text) + ": " + Quote(host) + " is not a numeric IPv6 address";
      return std::nullopt;
    }
  } else if (host.empty()) {
    host = "0.0.0.0";
  } else if (host.find(':') != std::string::npos) {
    *error = Quote(text) + ": an IPv6 address needs brackets, as in [::1]:9477";
    return std::nullopt;
  } else if (!IsNumericAddress(AF_INET, host)) {
    *error = Quote(text) + ": " + Quote(host) +
             " is not a numeric IPv4 address (host names are not accepted)";
    return std::nullopt;
  }
  return ListenAddress{std::move(host), *port};
}

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view text, std::string* error) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"off", spdlog::level::off},
  };
  for (const auto& [name, level] : kLevels) {
    if (text == name) return level;
  }
  *error = Quote(text) + " is not a log level (trace, debug, info, warn, error, off)";
  return std::nullopt;
}

std::optional<uint32_t> ParseRingBufferSize(std::string_view text, std::string* error) {
  static constexpr std::pair<std::string_view, int> kSuffixes[] = {
      {"KiB", 10}, {"K", 10}, {"MiB", 20}, {"M", 20}, {"GiB", 30}, {"G", 30},
  };
  std::string_view digits = text;
  int shift = 0;
  for (const auto& [suffix, suffix_shift] : kSuffixes) {
    if (text.ends_with(suffix)) {
      digits = text.substr(0, text.size() - suffix.size());
      shift = suffix_shift;
      break;
    }
  }
  const std::optional<uint64_t> count = ParseDecimal(digits);
  // The bound keeps the shift from overflowing; anything this large is refused below anyway.
  if (!count || *count > (uint64_t{1} << 32)) {
    *error = Quote(text) + " is not a size (bytes, or a number with a K, M or G suffix)";
    return std::nullopt;
  }
  const uint64_t bytes = *count << shift;
  const uint32_t page_size = PageSize();
  if (bytes < page_size) {
    *error = Quote(text) + " is smaller than a page (" + std::to_string(page_size) + " bytes)";
    return std::nullopt;
  }
  if (bytes > kMaxRingBufferBytes) {
    *error = Quote(text) + " is larger than the maximum of 1G";
    return std::nullopt;
  }
  if ((bytes & (bytes - 1)) != 0) {
    *error = Quote(text) + " is not a power of two";
    return std::nullopt;
  }
  return static_cast<uint32_t>(bytes);
}

std::optional<uint32_t> ParseMaxTrackedProcesses(std::string_view text, std::string* error) {
  const std::optional<uint64_t> value = ParseDecimal(text);
  if (!value || *value < 1 || *value > static_cast<uint64_t>(kMaxPid)) {
    *error = Quote(text) + " is not a number of processes (1-" + std::to_string(kMaxPid) + ")";
    return std::nullopt;
  }
  return static_cast<uint32_t>(*value);
}

std::optional<uint32_t> ParseCaptureBytes(std::string_view text, std::string* error) {
  const std::optional<uint64_t> value = ParseDecimal(text);
  if (!value || *value < kMinCaptureBytes || *value > kMaxCaptureBytes) {
    *error = Quote(text) + " is not a capture size (" + std::to_string(kMinCaptureBytes) + "-" +
             std::to_string(kMaxCaptureBytes) + " bytes)";
    return std::nullopt;
  }
  return static_cast<uint32_t>(*value);
}

std::optional<std::string> ParseKernelFeature(std::string_view text, std::string* error) {
  // agent/bpf/features.h: ChooseFeatures() has a fallback for each of these.
  if (text == "task_storage" || text == "uprobe_multi" || text == "task_pt_regs") {
    return std::string(text);
  }
  *error = Quote(text) +
           " is not a kernel feature with a fallback (task_storage, uprobe_multi, task_pt_regs)";
  return std::nullopt;
}

std::optional<size_t> ParseMaxRoutesPerService(std::string_view text, std::string* error) {
  const std::optional<uint64_t> value = ParseDecimal(text);
  if (!value || *value < 1 || *value > kMaxRoutesPerService) {
    *error =
        Quote(text) + " is not a number of routes (1-" + std::to_string(kMaxRoutesPerService) + ")";
    return std::nullopt;
  }
  return static_cast<size_t>(*value);
}

std::optional<uint64_t> ParseSlowQueryThreshold(std::string_view text, std::string* error) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  const auto bad = [&] {
    *error = Quote(text) + " is not a duration from 1us to 1h (e.g. 100ms, 1s, 250us)";
    return std::nullopt;
  };
  size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  const std::string_view number = text.substr(0, digits);
  const std::string_view unit = text.substr(digits);
  if (number.empty() || number.size() > 20 || number.front() == '.' || number.back() == '.' ||
      std::count(number.begin(), number.end(), '.') > 1) {
    return bad();
  }
  for (const auto& [name, ns] : kUnits) {
    if (unit != name) continue;
    const double value = std::stod(std::string(number)) * ns;
    if (value < 1e3 || value > 3600e9) return bad();
    return static_cast<uint64_t>(value + 0.5);
  }
  return bad();
}

std::optional<size_t> ParseSlowQueriesKept(std::string_view text, std::string* error) {
  const std::optional<uint64_t> value = ParseDecimal(text);
  if (!value || *value < 1 || *value > kMaxSlowQueriesKept) {
    *error = Quote(text) + " is not a number of statements (1-" +
             std::to_string(kMaxSlowQueriesKept) + ")";
    return std::nullopt;
  }
  return static_cast<size_t>(*value);
}

std::optional<bool> ParseSwitch(std::string_view text, std::string* error) {
  for (std::string_view yes : {"true", "yes", "on", "1"}) {
    if (text == yes) return true;
  }
  for (std::string_view no : {"false", "no", "off", "0"}) {
    if (text == no) return false;
  }
  *error = Quote(text) + " is not true or false";
  return std::nullopt;
}

std::optional<std::string> ParseRoutePattern(std::string_view pattern, std::string* error) {
  metrics::RouteRules rules;
  rules.patterns.emplace_back(pattern);
  return CheckRouteRules(pattern, rules, error);
}

std::optional<std::string> ParseExcludeRoute(std::string_view regex, std::string* error) {
  metrics::RouteRules rules;
  rules.exclude.emplace_back(regex);
  return CheckRouteRules(regex, rules, error);
}

std::optional<Selector> ParseExeSelector(std::string_view pattern, std::string* error) {
  if (pattern.empty()) {
    *error = "the pattern is empty; it would match every process";
    return std::nullopt;
  }
  std::string regex_error;
  std::optional<Selector> selector = Selector::ForExe(std::string(pattern), {}, &regex_error);
  if (!selector) {
    *error = Quote(pattern) + " is not a valid regular expression: " + regex_error;
  }
  return selector;
}

bool CheckDirectory(const std::string& path, std::string* error) {
  struct stat status;
  if (stat(path.c_str(), &status) != 0) {
    const int saved_errno = errno;
    *error = saved_errno == ENOENT ? Quote(path) + " does not exist"
                                   : Quote(path) + ": " + std::strerror(saved_errno);
    return false;
  }
  if (!S_ISDIR(status.st_mode)) {
    *error = Quote(path) + " is not a directory";
    return false;
  }
  return true;
}

}  // namespace hostlens::config
