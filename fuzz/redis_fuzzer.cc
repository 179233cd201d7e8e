// libFuzzer target for the Redis parser.
//
// The input drives a Stream: FuzzedDataProvider takes payload bytes from the front and control
// values (direction, capture size, gap, tail) from the back, so raw protocol bytes, such as the
// records of tests/fixtures/redis, make useful seeds. Besides the sanitizers, it checks:
// - ParseHeaderLine consumes nothing unless it succeeds, and then exactly one line;
// - commands end no earlier than they start, names are uppercase command names (never keys),
//   hits never exceed lookups, and waiting commands stay bounded;
// - fully captured, the same bytes give the same commands whole and byte by byte, unless framing
//   was lost (the only segmentation-dependent path).
//
// Build and run (120 s):
//   cmake -S . -B build-fuzz -G Ninja -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && ninja -C build-fuzz redis_fuzzer
//   mkdir -p build-fuzz/redis_corpus && cp tests/fixtures/redis/*.txt build-fuzz/redis_corpus/
//   build-fuzz/fuzz/redis_fuzzer -max_total_time=120 -max_len=8192 build-fuzz/redis_corpus

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/redis/limits.h"
#include "agent/protocols/redis/parse.h"
#include "agent/protocols/redis/stream.h"
#include "fuzz_segments.h"

namespace {

using namespace hostlens::protocols::redis;
using namespace hostlens::fuzz;

void CheckHeaderContract(std::string_view input) {
  std::string_view buf = input;
  char type = 0;
  int64_t value = 0;
  ParseState state = ParseHeaderLine(&buf, &type, &value);
  if (state != ParseState::kSuccess) {
    FUZZ_CHECK(buf.size() == input.size());
    return;
  }
  size_t consumed = input.size() - buf.size();
  FUZZ_CHECK(consumed >= 3 && input.substr(consumed - 2, 2) == "\r\n");
  FUZZ_CHECK(input.substr(0, consumed - 1).find('\n') == std::string_view::npos);
  FUZZ_CHECK(IsTypeByte(type));
}

void CheckCommands(const std::vector<Command>& commands) {
  for (const Command& c : commands) {
    FUZZ_CHECK(c.start_ns <= c.end_ns);
    FUZZ_CHECK(!c.name.empty() && c.name.size() <= kMaxNameBytes);
    FUZZ_CHECK(c.name == "_OTHER" || NormalizeName(c.name) == c.name);
    FUZZ_CHECK(c.error_type.size() <= kMaxErrorTypeBytes);
    FUZZ_CHECK(c.error_type.find_first_of(" \r\n") == std::string::npos);
    FUZZ_CHECK(c.hits <= c.keys_looked_up);
  }
}

bool Same(const std::vector<Command>& a, const std::vector<Command>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].error_type != b[i].error_type ||
        a[i].keys_looked_up != b[i].keys_looked_up || a[i].hits != b[i].hits ||
        a[i].in_transaction != b[i].in_transaction) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  CheckHeaderContract(raw);
  LooksLikeRedisCommand(raw);
  PlausibleMessageStart(raw, raw.size() + 10, true);
  PlausibleMessageStart(raw, raw.size(), false);
  ErrorType(raw);
  NormalizeName(raw);

  FuzzedDataProvider fdp(data, size);
  std::vector<FuzzSegment> segments = ConsumeSegments(fdp, 1 << 24);

  Stream stream;
  uint64_t ts = 0;
  for (const FuzzSegment& s : segments) {
    stream.OnSegment(s.direction, Captured(s, ++ts));
    FUZZ_CHECK(stream.pending() <= kMaxPending + kMaxQueued);
  }
  CheckCommands(stream.TakeCommands());
  stream.stats();

  Stream whole;
  Stream bytes;
  FeedWholeAndByteByByte(segments, whole, bytes);
  std::vector<Command> whole_commands = whole.TakeCommands();
  std::vector<Command> byte_commands = bytes.TakeCommands();
  CheckCommands(whole_commands);
  CheckCommands(byte_commands);
  if (whole.stats().resyncs == 0 && bytes.stats().resyncs == 0) {
    FUZZ_CHECK(Same(whole_commands, byte_commands));
  }
  return 0;
}
