// libFuzzer target for the memcached parser.
//
// The input drives a Stream: FuzzedDataProvider takes payload bytes from the front and control
// values (direction, capture size, gap, tail) from the back, so raw protocol bytes, such as the
// records of tests/fixtures/memcached, make useful seeds. Besides the sanitizers, it checks:
// - commands end no earlier than they start, names are known command words (never keys), error
//   types are the three error words, hits never exceed lookups, waiting commands stay bounded;
// - fully captured, the same bytes give the same commands whole and byte by byte, unless framing
//   was lost (the only segmentation-dependent path).
//
// Build and run (120 s):
//   cmake -S . -B build-fuzz -G Ninja -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && ninja -C build-fuzz memcached_fuzzer
//   mkdir -p build-fuzz/memcached_corpus && cp tests/fixtures/memcached/*.txt
//   build-fuzz/memcached_corpus/ build-fuzz/fuzz/memcached_fuzzer -max_total_time=120 -max_len=8192
//   build-fuzz/memcached_corpus

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/memcached/limits.h"
#include "agent/protocols/memcached/parse.h"
#include "agent/protocols/memcached/stream.h"
#include "fuzz_segments.h"

namespace {

using namespace hostlens::protocols::memcached;
using namespace hostlens::fuzz;

void CheckCommands(const std::vector<Command>& commands) {
  for (const Command& c : commands) {
    FUZZ_CHECK(c.start_ns <= c.end_ns);
    FUZZ_CHECK(c.name == "_OTHER" || IsKnownCommand(c.name));
    FUZZ_CHECK(c.error_type.empty() || c.error_type == "ERROR" || c.error_type == "CLIENT_ERROR" ||
               c.error_type == "SERVER_ERROR");
    FUZZ_CHECK(c.result.size() <= 16);
    FUZZ_CHECK(c.hits <= c.keys_looked_up);
  }
}

bool Same(const std::vector<Command>& a, const std::vector<Command>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].error_type != b[i].error_type ||
        a[i].keys_looked_up != b[i].keys_looked_up || a[i].hits != b[i].hits ||
        a[i].noreply != b[i].noreply || a[i].result != b[i].result) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  LooksLikeMemcachedCommand(raw);
  IsResponseWord(raw);
  Word(raw, 3);

  FuzzedDataProvider fdp(data, size);
  std::vector<FuzzSegment> segments = ConsumeSegments(fdp, 1 << 24);

  Stream stream;
  uint64_t ts = 0;
  for (const FuzzSegment& s : segments) {
    stream.OnSegment(s.direction, Captured(s, ++ts));
    FUZZ_CHECK(stream.pending() <= kMaxPending);
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
