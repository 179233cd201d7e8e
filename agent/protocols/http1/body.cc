#include "agent/protocols/http1/body.h"

namespace hostlens::protocols::http1 {
namespace {

// Framing from the transfer fields alone; `no_fields` is what a message without any means.
BodyFraming FromFields(const HeaderFacts& headers, bool truncated, BodyKind no_fields) {
  if (headers.chunked) return {BodyKind::kChunked, 0};
  if (headers.transfer_encoding) return {BodyKind::kUntilClose, 0};
  if (headers.content_length) return {BodyKind::kLength, *headers.content_length};
  if (truncated) return {BodyKind::kUntilNextMessage, 0};
  return {no_fields, 0};
}

}  // namespace

BodyFraming RequestBodyFraming(const RequestHead& head) {
  return FromFields(head.headers, head.truncated, BodyKind::kNone);
}

BodyFraming ResponseBodyFraming(const ResponseHead& head, std::string_view request_method) {
  if (head.status == 101) return {BodyKind::kTunnel, 0};
  if (head.status < 200 || head.status == 204 || head.status == 304) return {BodyKind::kNone, 0};
  if (request_method == "HEAD") return {BodyKind::kNone, 0};
  if (request_method == "CONNECT" && head.status < 300) return {BodyKind::kTunnel, 0};
  return FromFields(head.headers, head.truncated, BodyKind::kUntilClose);
}

}  // namespace hostlens::protocols::http1
