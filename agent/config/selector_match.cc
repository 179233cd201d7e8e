#include "agent/config/selector_match.h"

#include <algorithm>

namespace hostlens::config {
namespace {

constexpr std::string_view kDeletedSuffix = " (deleted)";

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r\n";
  const size_t begin = text.find_first_not_of(kBlanks);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kBlanks) - begin + 1);
}

}  // namespace

std::string_view WithoutDeletedSuffix(std::string_view exe) {
  if (exe.ends_with(kDeletedSuffix)) exe.remove_suffix(kDeletedSuffix.size());
  return exe;
}

bool SelectorMatches(const Selector& selector, const ProcessFacts& facts) {
  switch (selector.kind) {
    case Selector::Kind::kPid:
      return facts.pid == selector.pid || std::find(facts.ancestors.begin(), facts.ancestors.end(),
                                                    selector.pid) != facts.ancestors.end();
    case Selector::Kind::kPort:
      return facts.listening_ports.contains(selector.port);
    case Selector::Kind::kExe: {
      // An unknown exe matches nothing, even a pattern that matches the empty string.
      const std::string_view exe = WithoutDeletedSuffix(facts.exe);
      if (exe.empty() || selector.exe_regex == nullptr) return false;
      return std::regex_search(exe.begin(), exe.end(), *selector.exe_regex);
    }
  }
  return false;
}

std::optional<SelectorMatch> MatchSelectors(const std::vector<Selector>& selectors,
                                            const ProcessFacts& facts) {
  if (selectors.empty()) return SelectorMatch{};
  for (size_t i = 0; i < selectors.size(); ++i) {
    if (SelectorMatches(selectors[i], facts)) return SelectorMatch{&selectors[i], i};
  }
  return std::nullopt;
}

std::string ServiceNameFor(const Selector* selector, std::string_view exe,
                           std::string_view comm_fallback) {
  if (selector != nullptr && !selector->service_name.empty()) return selector->service_name;
  const std::string_view path = WithoutDeletedSuffix(exe);
  const std::string_view base_name = path.substr(path.rfind('/') + 1);
  if (!base_name.empty()) return std::string(base_name);
  // /proc/PID/comm ends with a newline; callers may pass it as read.
  const std::string_view comm = Trim(comm_fallback);
  if (!comm.empty()) return std::string(comm);
  return "unknown";
}

}  // namespace hostlens::config
