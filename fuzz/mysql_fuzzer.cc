// libFuzzer target for the MySQL/MariaDB parser.
//
// The input drives a Stream: FuzzedDataProvider takes payload bytes from the front and control
// values (direction, capture size, gap, tail) from the back, so raw protocol bytes, such as the
// records of tests/fixtures/mysql, make useful seeds. Besides the sanitizers, it checks:
// - ParsePacketHeader consumes nothing unless it succeeds, and exactly the header;
// - queries end no earlier than they start, SQL stays within kMaxSqlBytes, error codes are
//   decimal, and pending commands and remembered statements stay bounded;
// - fully captured, the same bytes give the same queries whole and byte by byte, unless framing
//   was lost (the only segmentation-dependent path).
//
// Build and run (120 s):
//   cmake -S . -B build-fuzz -G Ninja -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && ninja -C build-fuzz mysql_fuzzer
//   mkdir -p build-fuzz/mysql_corpus && cp tests/fixtures/mysql/*.txt build-fuzz/mysql_corpus/
//   build-fuzz/fuzz/mysql_fuzzer -max_total_time=120 -max_len=8192 build-fuzz/mysql_corpus

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/mysql/limits.h"
#include "agent/protocols/mysql/parse.h"
#include "agent/protocols/mysql/stream.h"
#include "fuzz_segments.h"

namespace {

using namespace hostlens::protocols::mysql;
using namespace hostlens::fuzz;

void CheckHeaderContract(std::string_view input) {
  std::string_view buf = input;
  uint32_t length = 0;
  uint8_t seq = 0;
  ParseState state = ParsePacketHeader(&buf, &length, &seq);
  FUZZ_CHECK(buf.size() == (state == ParseState::kSuccess ? input.size() - 4 : input.size()));
  if (state == ParseState::kSuccess) FUZZ_CHECK(length <= kMaxPacketLength);
  std::string_view lenenc = input;
  uint64_t value = 0;
  bool ok = ReadLengthEncodedInt(&lenenc, &value);
  FUZZ_CHECK(ok ? lenenc.size() < input.size() : lenenc.size() == input.size());
}

void CheckQueries(const std::vector<Query>& queries) {
  for (const Query& q : queries) {
    FUZZ_CHECK(q.start_ns <= q.end_ns);
    FUZZ_CHECK(q.sql.size() <= kMaxSqlBytes);
    FUZZ_CHECK(q.error_code.size() <= 5);
    for (char c : q.error_code) FUZZ_CHECK(c >= '0' && c <= '9');
  }
}

bool Same(const std::vector<Query>& a, const std::vector<Query>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].sql != b[i].sql || a[i].error_code != b[i].error_code ||
        a[i].prepared != b[i].prepared || a[i].sql_truncated != b[i].sql_truncated) {
      return false;
    }
  }
  return true;
}

void CheckBounds(const Stream& stream) {
  FUZZ_CHECK(stream.pending() <= kMaxPending);
  FUZZ_CHECK(stream.statements() <= kMaxStatements);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  CheckHeaderContract(raw);
  LooksLikeMysqlServerGreeting(raw);
  FUZZ_CHECK(ErrorCode(raw).size() <= 5);
  uint32_t caps = 0;
  ParseServerGreeting(raw, &caps);
  uint16_t status = 0;
  ParseTerminatorStatus(raw, raw.size(), &status);
  size_t packet_size = 0;
  if (EndsWithFinalResultPacket(raw, &packet_size)) FUZZ_CHECK(packet_size <= raw.size());
  PlausiblePacketStart(raw, raw.size(), 0);
  PlausiblePacketStart(raw, raw.size() + 100, 1);

  FuzzedDataProvider fdp(data, size);
  std::vector<FuzzSegment> segments = ConsumeSegments(fdp, 1 << 24);

  // As captured.
  Stream stream;
  uint64_t ts = 0;
  for (const FuzzSegment& s : segments) {
    stream.OnSegment(s.direction, Captured(s, ++ts));
    CheckBounds(stream);
  }
  CheckQueries(stream.TakeQueries());
  stream.stats();

  // Fully captured, whole and byte by byte.
  Stream whole;
  Stream bytes;
  FeedWholeAndByteByByte(segments, whole, bytes);
  CheckBounds(whole);
  CheckBounds(bytes);
  std::vector<Query> whole_queries = whole.TakeQueries();
  std::vector<Query> byte_queries = bytes.TakeQueries();
  CheckQueries(whole_queries);
  CheckQueries(byte_queries);
  if (whole.stats().resyncs == 0 && bytes.stats().resyncs == 0) {
    FUZZ_CHECK(Same(whole_queries, byte_queries));
    FUZZ_CHECK(whole.encrypted() == bytes.encrypted());
  }
  return 0;
}
