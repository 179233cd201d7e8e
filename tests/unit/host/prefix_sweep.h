#pragma once

// Feeds a parser every prefix of a text, each in a heap buffer of exactly that size, so that a
// sanitizer build reports any read past the end of the input.

#include <cstring>
#include <memory>
#include <string_view>

namespace hostlens::host::test_util {

template <typename Fn>
void ForEachPrefix(std::string_view text, Fn&& fn) {
  for (size_t length = 0; length <= text.size(); ++length) {
    std::unique_ptr<char[]> copy(new char[length == 0 ? 1 : length]);
    std::memcpy(copy.get(), text.data(), length);
    fn(length, std::string_view(copy.get(), length));
  }
}

}  // namespace hostlens::host::test_util
