#include "agent/app/logging.h"

#include <bpf/libbpf.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <string>
#include <string_view>

namespace hostlens::app {
namespace {

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

}  // namespace

void SetUpLogging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt("hostlens");
  spdlog::set_default_logger(logger);
  spdlog::set_level(level);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  libbpf_set_print(&LibbpfPrint);
}

}  // namespace hostlens::app
