#pragma once

#include <optional>
#include <string_view>

namespace hostlens::host {

// The first three fields of /proc/loadavg: run-queue averages over 1, 5 and 15 minutes.
struct LoadAverage {
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
};

// nullopt unless the text starts with three finite, non-negative numbers.
std::optional<LoadAverage> ParseLoadavg(std::string_view text);

}  // namespace hostlens::host
