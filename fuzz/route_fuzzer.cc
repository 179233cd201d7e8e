// libFuzzer target for the route templater (agent/metrics/route_template.cc): the request target
// comes straight from the network, and what it returns becomes the http_route label. Whatever a
// client sends, the label is bounded, carries no query string, fragment, control byte, space or
// invalid UTF-8, and no "@" (emails are personal data); the exclude list (operator regexes
// searched in the path) neither crashes nor runs away on a long or hostile path.
//
// The input is a request target. Seeds: tests/fixtures/route (targets of the shapes the
// heuristic judges: ids, dates, UUIDs, tokens, JWTs, emails, absolute-form, percent-encoding).
//
// Build and run (60 s):
//   cmake -S . -B build-fuzz -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && cmake --build build-fuzz -t route_fuzzer
//   ./scripts/run-fuzzer.sh build-fuzz/fuzz/route_fuzzer 60

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "agent/metrics/route_template.h"
#include "fuzz_check.h"

namespace {

using hostlens::metrics::RouteRules;
using hostlens::metrics::RouteTemplater;

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

void CheckLabel(const std::optional<std::string>& route) {
  if (!route) return;
  const std::string& r = *route;
  FUZZ_CHECK(!r.empty());
  FUZZ_CHECK(r.size() <= RouteTemplater::kMaxRouteBytes);
  FUZZ_CHECK(ValidUtf8(r));
  for (char c : r) {
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u >= 0x21 && u != 0x7f);
    FUZZ_CHECK(c != '?' && c != '#' && c != '@');
  }
}

const RouteTemplater& Heuristic() {
  static const RouteTemplater templater = [] {
    std::string error;
    return *RouteTemplater::Create(RouteRules{}, &error);
  }();
  return templater;
}

// Patterns and excludes as an operator writes them (README's examples).
const RouteTemplater& Configured() {
  static const RouteTemplater templater = [] {
    RouteRules rules;
    rules.patterns = {"/api/users/{id}/", "/files/{path*}", "/api/{version}/orders/{id}"};
    rules.exclude = {"^/healthz$", "^/static/", "\\.(png|css|js)$", "^/(a|b)+c$"};
    std::string error;
    return *RouteTemplater::Create(rules, &error);
  }();
  return templater;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  CheckLabel(Heuristic().Template(target));
  CheckLabel(Configured().Template(target));
  // The heuristic's own judgement of one segment, on any bytes (the sanitizers watch it).
  (void)RouteTemplater::IsIdLikeSegment(target);
  return 0;
}
