#include "agent/app/logging.h"

#include <bpf/libbpf.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <string_view>

namespace hostlens::app {
namespace {

int LibbpfPrint(libbpf_print_level level, const char* format, va_list args) {
  char line[1024];
  vsnprintf(line, sizeof(line), format, args);
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
