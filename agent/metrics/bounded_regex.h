#pragma once
// Regexes from the operator (exe selectors, route excludes), compiled only when their size is
// bounded: libstdc++ builds a state per repetition ("a{100000000}" allocates without end) and
// overflows a signed integer on a repetition count past 2^63 (found by fuzz/config_fuzzer.cc).

#include <memory>
#include <regex>
#include <string>
#include <string_view>

namespace hostlens::metrics {

// Longest pattern accepted, and most states it may expand to (each repetition count multiplies
// what it repeats, nested ones multiply again).
inline constexpr size_t kMaxRegexBytes = 1024;
inline constexpr size_t kMaxRegexStates = 20000;

// The compiled regex, or null with *error saying why (too large, or std::regex's own error).
std::shared_ptr<const std::regex> CompileBoundedRegex(std::string_view pattern,
                                                      std::regex::flag_type flags,
                                                      std::string* error);

}  // namespace hostlens::metrics
