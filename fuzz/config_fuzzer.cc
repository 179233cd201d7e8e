// libFuzzer target for the configuration file (agent/config/config_file.cc): YAML from an
// operator, but a wrong file must get one clear error, never a crash, an exception out of the
// parser or a setting outside its bounds.
//
// Seeds: tests/fixtures/config (every key, and each kind of mistake).
//
// Build and run (60 s):
//   cmake -S . -B build-fuzz -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && cmake --build build-fuzz -t config_fuzzer
//   ./scripts/run-fuzzer.sh build-fuzz/fuzz/config_fuzzer 60

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "agent/config/config_file.h"
#include "agent/config/value_parsers.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const auto result = hostlens::config::ParseConfigFile(yaml, "fuzz.yaml");
  // Either settings or an error that says what is wrong, on one line, naming the file.
  FUZZ_CHECK(result.settings.has_value() == result.error.empty());
  if (!result.settings) {
    FUZZ_CHECK(result.error.find('\n') == std::string::npos);
    FUZZ_CHECK(result.error.find("fuzz.yaml") != std::string::npos);
    return 0;
  }
  const auto& s = *result.settings;
  for (const auto& selector : s.selectors) FUZZ_CHECK(!selector.service_name.empty());
  if (s.capture_bytes) {
    FUZZ_CHECK(*s.capture_bytes >= hostlens::config::kMinCaptureBytes &&
               *s.capture_bytes <= hostlens::config::kMaxCaptureBytes);
  }
  return 0;
}
