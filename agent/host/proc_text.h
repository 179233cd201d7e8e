#pragma once

// Tokenizing and number parsing shared by the procfs parsers. Every function is total: input that
// does not fit gives std::nullopt, never an exception, because the parsers run on the scrape path.

#include <charconv>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace hostlens::host {

// Lines without their '\n'; a last line without '\n' (a truncated read) is still returned.
std::vector<std::string_view> SplitLines(std::string_view text);

// Runs of non-blank characters; blanks are ' ', '\t' and '\n'.
std::vector<std::string_view> SplitFields(std::string_view line);

// The whole of `text` must be the number: "12x", "", "+1" and out-of-range values are rejected.
template <std::integral T>
std::optional<T> ParseInteger(std::string_view text, int base = 10) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// Finite decimal numbers only: procfs never prints "nan" or "inf", so those mean corruption.
std::optional<double> ParseFiniteDouble(std::string_view text);

}  // namespace hostlens::host
