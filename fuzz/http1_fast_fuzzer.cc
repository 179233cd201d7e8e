// libFuzzer target for the kernel's HTTP/1 fast-path decision (include/hostlens/abi/http_fast.h),
// the same C the BPF program runs, compiled here with the sanitizers.
//
// The input is one read or write: its first bytes are the captured head; the last input byte
// picks how much of it is captured and the request method a response answers. Besides the
// sanitizers, it checks that whatever the decision takes, the agent's own parser reads the same
// way: a complete head of the same length, the same method, path (the target before '?'),
// version and status, no Transfer-Encoding, Expect or Upgrade in a request, and a body that ends
// exactly at the end of the bytes. So the fast path never reports what the payload path would
// not. Seeds: the HTTP/1 captures (tests/fixtures/http1).
//
// Build and run: see http1_fuzzer.cc (target http1_fast_fuzzer).

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/http1/parse.h"
#include "hostlens/abi/http_fast.h"

namespace {

using namespace hostlens::protocols::http1;

void Check(bool ok) {
  if (!ok) std::abort();
}

uint8_t MethodCode(const std::string& method) {
  if (method == "GET") return HL_HTTP_GET;
  if (method == "HEAD") return HL_HTTP_HEAD;
  if (method == "POST") return HL_HTTP_POST;
  if (method == "PUT") return HL_HTTP_PUT;
  if (method == "DELETE") return HL_HTTP_DELETE;
  if (method == "PATCH") return HL_HTTP_PATCH;
  if (method == "OPTIONS") return HL_HTTP_OPTIONS;
  return HL_HTTP_OTHER;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[size - 1];
  const std::string_view bytes(reinterpret_cast<const char*>(data), size - 1);
  // The kernel copies the head into a buffer at least HL_FAST_HEAD_MAX long.
  std::vector<uint8_t> buf(std::max<size_t>(bytes.size(), HL_FAST_HEAD_MAX) + 1, 0xAA);
  std::memcpy(buf.data(), bytes.data(), bytes.size());
  const size_t captured = (control & 0x80) ? bytes.size() : bytes.size() * (control & 0x7f) / 127;
  const uint64_t total = bytes.size();
  const std::string_view head_bytes = bytes.substr(0, captured);

  hl_http_fast_request req{};
  hl_fast_scan scan{};
  if (hl_fast_request(buf.data(), static_cast<__u32>(captured), total, &scan, &req) ==
      HL_FAST_COMPACT) {
    Check(req.path_len >= 1 && req.path_len <= HL_FAST_PATH_MAX &&
          req.path_off + req.path_len <= captured);
    const std::string_view path(reinterpret_cast<const char*>(buf.data()) + req.path_off,
                                req.path_len);
    std::string_view rest = head_bytes;
    RequestHead head;
    Check(ParseRequestHead(&rest, &head) == ParseState::kSuccess);
    Check(head_bytes.size() - rest.size() == req.head_len);
    Check(MethodCode(head.method) == req.method);
    Check(head.target.substr(0, head.target.find('?')) == path);
    Check(head.minor_version == req.minor_version);
    Check(!head.headers.transfer_encoding && !head.headers.upgrade && !head.headers.expect_continue);
    Check(head.headers.content_length.value_or(0) == req.body_len);
    Check(req.head_len + static_cast<uint64_t>(req.body_len) == total);
  }

  const uint8_t method = static_cast<uint8_t>(1 + (control & 0x07) % 7);
  hl_http_fast_response resp{};
  if (hl_fast_response(buf.data(), static_cast<__u32>(captured), total, method, &scan, &resp) ==
      HL_FAST_COMPACT) {
    std::string_view rest = head_bytes;
    ResponseHead head;
    Check(ParseResponseHead(&rest, &head) == ParseState::kSuccess);
    Check(head_bytes.size() - rest.size() == resp.head_len);
    Check(head.status == resp.status && head.status >= 200);
    Check(!head.headers.transfer_encoding);
    const bool no_body = method == HL_HTTP_HEAD || head.status == 204 || head.status == 304;
    Check(no_body ? resp.body_len == 0 : head.headers.content_length == resp.body_len);
    Check(resp.head_len + static_cast<uint64_t>(resp.body_len) == total);
  }
  return 0;
}
