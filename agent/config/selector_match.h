#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/options.h"

namespace hostlens::config {

// What selectors look at, gathered from procfs by the caller so that matching stays pure.
struct ProcessFacts {
  int pid = 0;
  std::vector<int> ancestors;  // parent, grandparent, ...
  std::string exe;  // readlink of /proc/PID/exe; empty if unknown (kernel thread, EACCES)
  std::set<uint16_t> listening_ports;
};

struct SelectorMatch {
  // Null in all-processes mode (no selectors configured); otherwise the first matching selector,
  // pointing into the vector given to MatchSelectors.
  const Selector* selector = nullptr;
  size_t index = 0;  // position of `selector` in that vector; 0 in all-processes mode
};

// The first selector that matches, or nullopt if none does. With no selectors every process
// matches with a null selector. Excluding the agent's own process is the caller's job.
std::optional<SelectorMatch> MatchSelectors(const std::vector<Selector>& selectors,
                                            const ProcessFacts& facts);

bool SelectorMatches(const Selector& selector, const ProcessFacts& facts);

// The service_name label: the selector's name if it has one, else the executable's base name,
// else `comm_fallback`, else "unknown". `selector` is null in all-processes mode.
std::string ServiceNameFor(const Selector* selector, std::string_view exe,
                           std::string_view comm_fallback);

// The kernel appends " (deleted)" to /proc/PID/exe once the binary is replaced on disk, which
// every package upgrade does to running services; selectors and names must not change then.
std::string_view WithoutDeletedSuffix(std::string_view exe);

}  // namespace hostlens::config
