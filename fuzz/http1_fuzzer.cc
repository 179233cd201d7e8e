// libFuzzer target for the HTTP/1.x parser.
//
// The input drives a Stream: FuzzedDataProvider takes payload bytes from the front and control
// values (role, direction, capture size, gap, tail) from the back, so raw HTTP text, such as the
// captures in tests/fixtures/http1, makes a useful seed. Besides the sanitizers, it checks:
// - ParseRequestHead/ParseResponseHead consume nothing unless they succeed, and a success is
//   the same on any longer input;
// - exchanges are ordered in time and the outstanding requests stay bounded;
// - fully captured, the same bytes give the same exchanges whole and byte by byte, unless a
//   resync, an inferred end or an unmatched response (the only segmentation-dependent paths)
//   happened.
//
// Build and run (60 s):
//   cmake -S . -B build-fuzz -G Ninja -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && ninja -C build-fuzz http1_fuzzer
//   mkdir -p build-fuzz/http1_corpus && cp tests/fixtures/http1/*.txt build-fuzz/http1_corpus/
//   build-fuzz/fuzz/http1_fuzzer -max_total_time=60 -max_len=8192 build-fuzz/http1_corpus

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/http1/limits.h"
#include "agent/protocols/http1/parse.h"
#include "agent/protocols/http1/stream.h"
#include "fuzz_segments.h"

namespace {

using namespace hostlens::protocols::http1;
using namespace hostlens::fuzz;

template <typename Head, typename Parse>
void CheckHeadContract(std::string_view input, Parse parse) {
  std::string_view buf = input;
  Head head;
  ParseState state = parse(&buf, &head);
  if (state != ParseState::kSuccess) {
    FUZZ_CHECK(buf.size() == input.size());
    return;
  }
  size_t consumed = input.size() - buf.size();
  FUZZ_CHECK(consumed > 0);
  // The head ends where it ends: its exact bytes parse the same, and so does any prefix of the
  // rest appended (here: none of it).
  std::string exact(input.substr(0, consumed));
  std::string_view exact_buf = exact;
  Head again;
  FUZZ_CHECK(parse(&exact_buf, &again) == ParseState::kSuccess);
  FUZZ_CHECK(exact_buf.empty());
  // Every proper prefix of a head needs more data or is invalid, never a success.
  std::string shorter(input.substr(0, consumed - 1));
  std::string_view shorter_buf = shorter;
  FUZZ_CHECK(parse(&shorter_buf, &again) != ParseState::kSuccess);
}

void CheckExchanges(const std::vector<Exchange>& exchanges) {
  for (const Exchange& e : exchanges) {
    FUZZ_CHECK(e.request.first_byte_ns <= e.response.first_byte_ns);
    FUZZ_CHECK(e.response.first_byte_ns <= e.response.last_byte_ns);
    FUZZ_CHECK(e.response.status >= 100 && e.response.status <= 999);
    FUZZ_CHECK(!e.request.method.empty());
  }
}

bool SegmentationIndependent(const Stream& stream) {
  StreamStats stats = stream.stats();
  return stats.resyncs == 0 && stats.inferred_ends == 0 && stats.unmatched_responses == 0;
}

bool Same(const std::vector<Exchange>& a, const std::vector<Exchange>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].request.method != b[i].request.method || a[i].request.target != b[i].request.target ||
        a[i].response.status != b[i].response.status ||
        a[i].request.headers_truncated != b[i].request.headers_truncated) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  CheckHeadContract<RequestHead>(raw, ParseRequestHead);
  CheckHeadContract<ResponseHead>(raw, ParseResponseHead);
  RequestHead request_head;
  ResponseHead response_head;
  ParseTruncatedRequestHead(raw, &request_head);
  ParseTruncatedResponseHead(raw, &response_head);
  LooksLikeRequest(raw);
  LooksLikeResponse(raw);

  FuzzedDataProvider fdp(data, size);
  Role role = fdp.ConsumeBool() ? Role::kServer : Role::kClient;
  std::vector<FuzzSegment> segments = ConsumeSegments(fdp, 1 << 20);

  // As captured.
  Stream stream(role);
  uint64_t ts = 0;
  for (const FuzzSegment& s : segments) {
    stream.OnSegment(s.direction, Captured(s, ++ts));
    if (s.close_after) stream.OnClose(++ts);
    FUZZ_CHECK(stream.outstanding_requests() <= kMaxOutstandingRequests);
  }
  CheckExchanges(stream.TakeExchanges());

  // Fully captured, whole and byte by byte.
  Stream whole(role);
  Stream bytes(role);
  ts = FeedWholeAndByteByByte(segments, whole, bytes);
  whole.OnClose(++ts);
  bytes.OnClose(ts);
  std::vector<Exchange> whole_exchanges = whole.TakeExchanges();
  std::vector<Exchange> byte_exchanges = bytes.TakeExchanges();
  CheckExchanges(whole_exchanges);
  CheckExchanges(byte_exchanges);
  if (SegmentationIndependent(whole) && SegmentationIndependent(bytes)) {
    FUZZ_CHECK(Same(whole_exchanges, byte_exchanges));
    FUZZ_CHECK(whole.upgraded() == bytes.upgraded());
  }
  return 0;
}
