#include "agent/metrics/bounded_regex.h"

#include <algorithm>

namespace hostlens::metrics {
namespace {

// A rough count of the states std::regex builds for pattern[*pos..] up to the end of the current
// group: each atom counts 1, a group what its contents count, and a {m,n} repetition multiplies
// by its largest count. Saturates at kMaxRegexStates + 1. Escapes and classes count as one atom;
// syntax errors are left to std::regex.
size_t EstimateStates(std::string_view p, size_t* pos, int depth) {
  constexpr size_t kOver = kMaxRegexStates + 1;
  size_t total = 0;
  while (*pos < p.size()) {
    const char c = p[*pos];
    size_t atom = 1;
    if (c == ')') {
      if (depth > 0) return total;
      ++*pos;
      continue;
    }
    if (c == '(') {
      ++*pos;
      atom = depth >= 64 ? kOver : std::max<size_t>(1, EstimateStates(p, pos, depth + 1));
      if (*pos < p.size()) ++*pos;  // its ')'
    } else if (c == '\\') {
      *pos += 2;
    } else if (c == '[') {
      ++*pos;
      if (*pos < p.size() && p[*pos] == '^') ++*pos;
      if (*pos < p.size() && p[*pos] == ']') ++*pos;
      while (*pos < p.size() && p[*pos] != ']') *pos += p[*pos] == '\\' ? 2 : 1;
      ++*pos;
    } else {
      ++*pos;
    }
    // A repetition count: {m}, {m,} or {m,n}; the largest number multiplies.
    if (*pos < p.size() && p[*pos] == '{') {
      size_t i = *pos + 1, largest = 0, number = 0;
      bool digits = false;
      for (; i < p.size() && (p[i] == ',' || (p[i] >= '0' && p[i] <= '9')); ++i) {
        if (p[i] == ',') {
          number = 0;
          continue;
        }
        digits = true;
        number = std::min<size_t>(number * 10 + static_cast<size_t>(p[i] - '0'), kOver);
        largest = std::max(largest, number);
      }
      if (digits && i < p.size() && p[i] == '}') {
        atom = largest == 0 ? 1 : std::min<size_t>(atom * largest, kOver);
        *pos = i + 1;
      }
    }
    total = std::min(total + atom, kOver);
  }
  return total;
}

}  // namespace

std::shared_ptr<const std::regex> CompileBoundedRegex(std::string_view pattern,
                                                      std::regex::flag_type flags,
                                                      std::string* error) {
  if (pattern.size() > kMaxRegexBytes) {
    *error = "longer than " + std::to_string(kMaxRegexBytes) + " bytes";
    return nullptr;
  }
  size_t pos = 0;
  if (EstimateStates(pattern, &pos, 0) > kMaxRegexStates) {
    *error = "its repetitions expand to more than " + std::to_string(kMaxRegexStates) +
             " states";
    return nullptr;
  }
  try {
    return std::make_shared<const std::regex>(std::string(pattern), flags);
  } catch (const std::regex_error& e) {
    *error = e.what();
    return nullptr;
  }
}

}  // namespace hostlens::metrics
