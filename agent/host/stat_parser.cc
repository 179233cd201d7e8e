#include "agent/host/stat_parser.h"

#include "agent/host/proc_text.h"

namespace hostlens::host {
namespace {

constexpr std::string_view kCpuPrefix = "cpu";

std::optional<CpuTimes> ParseCpuLine(std::string_view cpu_label,
                                     const std::vector<std::string_view>& fields) {
  uint64_t CpuTimes::*const kModes[] = {
      &CpuTimes::user,   &CpuTimes::nice, &CpuTimes::system,  &CpuTimes::idle,
      &CpuTimes::iowait, &CpuTimes::irq,  &CpuTimes::softirq, &CpuTimes::steal,
  };
  std::optional<int> cpu = ParseInteger<int>(cpu_label.substr(kCpuPrefix.size()));
  if (!cpu || *cpu < 0 || fields.size() < 1 + std::size(kModes)) return std::nullopt;
  CpuTimes times;
  times.cpu = *cpu;
  for (size_t i = 0; i < std::size(kModes); ++i) {
    std::optional<uint64_t> ticks = ParseInteger<uint64_t>(fields[1 + i]);
    if (!ticks) return std::nullopt;
    times.*kModes[i] = *ticks;
  }
  return times;
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  ProcStat stat;
  bool has_boot_time = false;
  for (std::string_view line : SplitLines(text)) {
    std::vector<std::string_view> fields = SplitFields(line);
    if (fields.empty()) continue;
    std::string_view key = fields[0];
    if (key == "btime") {
      std::optional<uint64_t> boot_time =
          fields.size() == 2 ? ParseInteger<uint64_t>(fields[1]) : std::nullopt;
      if (!boot_time) return std::nullopt;
      stat.boot_time_seconds = *boot_time;
      has_boot_time = true;
    } else if (key.starts_with(kCpuPrefix) && key.size() > kCpuPrefix.size()) {
      std::optional<CpuTimes> times = ParseCpuLine(key, fields);
      if (!times) return std::nullopt;
      stat.cpus.push_back(*times);
    }
  }
  if (stat.cpus.empty() || !has_boot_time) return std::nullopt;
  return stat;
}

}  // namespace hostlens::host
