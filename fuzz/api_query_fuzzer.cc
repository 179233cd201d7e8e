// libFuzzer target for the JSON API's query string parser (agent/server/api_query.cc): the query
// string of a request to /api/v1/..., from whoever can reach the endpoint. Whatever it holds, the
// parser answers a query or one bounded error, never a crash; a limit is within 1..kMaxApiLimit;
// an error never repeats more of the input than a short excerpt.
//
// Seeds: tests/fixtures/api_query (the queries the API documents, and broken ones).
//
// Build and run (60 s):
//   cmake -S . -B build-fuzz -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && cmake --build build-fuzz -t api_query_fuzzer
//   ./scripts/run-fuzzer.sh build-fuzz/fuzz/api_query_fuzzer 60

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/server/api_query.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  using namespace hostlens::server;
  for (const auto& allowed : {std::vector<std::string_view>{"service", "system", "limit"},
                              std::vector<std::string_view>{"service", "limit"}}) {
    std::string error;
    const auto parsed = ParseApiQuery(query, allowed, &error);
    FUZZ_CHECK(parsed.has_value() == error.empty());
    FUZZ_CHECK(error.size() <= 200);
    if (parsed) {
      FUZZ_CHECK(parsed->limit <= kMaxApiLimit);
      FUZZ_CHECK(parsed->service.size() <= size && parsed->system.size() <= size);
    }
  }
  return 0;
}
