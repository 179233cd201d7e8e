#include "agent/host/loadavg_parser.h"

#include <vector>

#include "agent/host/proc_text.h"

namespace hostlens::host {

std::optional<LoadAverage> ParseLoadavg(std::string_view text) {
  std::vector<std::string_view> fields = SplitFields(text);
  if (fields.size() < 3) return std::nullopt;
  double LoadAverage::*const kFields[] = {&LoadAverage::load1, &LoadAverage::load5,
                                          &LoadAverage::load15};
  LoadAverage load;
  for (size_t i = 0; i < std::size(kFields); ++i) {
    std::optional<double> value = ParseFiniteDouble(fields[i]);
    if (!value || *value < 0) return std::nullopt;
    load.*kFields[i] = *value;
  }
  return load;
}

}  // namespace hostlens::host
