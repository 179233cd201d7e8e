#include "agent/host/meminfo_parser.h"

#include <limits>
#include <vector>

#include "agent/host/proc_text.h"

namespace hostlens::host {
namespace {

constexpr uint64_t kBytesPerKb = 1024;

}  // namespace

std::optional<Meminfo> ParseMeminfo(std::string_view text) {
  Meminfo meminfo;
  for (std::string_view line : SplitLines(text)) {
    std::vector<std::string_view> fields = SplitFields(line);
    if (fields.empty()) continue;
    std::string_view name = fields[0];
    if (name.size() < 2 || !name.ends_with(':') || fields.size() > 3) return std::nullopt;
    name.remove_suffix(1);
    std::optional<uint64_t> value =
        fields.size() >= 2 ? ParseInteger<uint64_t>(fields[1]) : std::nullopt;
    if (!value) return std::nullopt;
    if (fields.size() == 3) {
      if (fields[2] != "kB" || *value > std::numeric_limits<uint64_t>::max() / kBytesPerKb) {
        return std::nullopt;
      }
      *value *= kBytesPerKb;
    }
    meminfo.emplace(name, *value);
  }
  if (meminfo.empty()) return std::nullopt;
  return meminfo;
}

}  // namespace hostlens::host
