#include "agent/protocols/http1/stream.h"

#include "agent/protocols/http1/body.h"
#include "agent/protocols/http1/limits.h"

namespace hostlens::protocols::http1 {

void Stream::OnSegment(Direction direction, const Segment& segment) {
  if (closed_ || upgraded_) return;
  // A server reads requests; a client writes them.
  bool carries_requests = (role_ == Role::kServer) == (direction == Direction::kIngress);
  if (segment.length > 0 || !segment.head.empty()) {
    (carries_requests ? responses_ : requests_).OnPeerSegment();
  }
  (carries_requests ? requests_ : responses_).OnSegment(segment, this);
}

void Stream::OnClose(uint64_t /*ts_ns*/) {
  if (closed_) return;
  closed_ = true;
  // The response's last byte is the last one written before the close, not the close itself.
  responses_.OnClose(this);
  requests_.OnClose(this);
}

void Stream::OnCompleteRequest(Request request) {
  if (closed_ || upgraded_) return;
  responses_.OnPeerSegment();
  const uint64_t last_byte_ns = request.last_byte_ns;
  matcher_.AddRequest(std::move(request));
  matcher_.EndLastRequest(last_byte_ns);
}

StreamStats Stream::stats() const {
  StreamStats stats;
  stats.resyncs = resyncs();
  stats.evicted_requests = matcher_.evicted_requests();
  stats.unmatched_responses = matcher_.unmatched_responses();
  stats.lost_responses = matcher_.lost_responses();
  stats.inferred_ends = requests_.inferred_ends() + responses_.inferred_ends();
  return stats;
}

HeadDecision Stream::OnRequestHead(const RequestHead& head, uint64_t first_byte_ns) {
  Request request;
  request.method = head.method;
  request.target = head.target.substr(0, kMaxTargetBytes);
  request.minor_version = head.minor_version;
  request.websocket_upgrade = head.headers.upgrade_websocket;
  request.expect_continue = head.headers.expect_continue;
  request.host = head.headers.host;
  request.headers_truncated = head.truncated;
  request.first_byte_ns = first_byte_ns;
  request.last_byte_ns = first_byte_ns;
  matcher_.AddRequest(std::move(request));
  return HeadDecision{RequestBodyFraming(head), !head.truncated};
}

HeadDecision Stream::OnResponseHead(const ResponseHead& head, uint64_t first_byte_ns) {
  const Request* request = matcher_.Next();
  // A response that began before the request was read cannot answer it.
  if (request != nullptr && request->first_byte_ns > first_byte_ns) request = nullptr;
  BodyFraming body = ResponseBodyFraming(head, request ? std::string_view(request->method) : "");
  response_ = ResponseInProgress{};
  response_.status = head.status;
  response_.truncated = head.truncated;
  response_.first_byte_ns = first_byte_ns;
  response_.request_known = request != nullptr;
  response_.tunnel = body.kind == BodyKind::kTunnel;
  response_.websocket =
      response_.tunnel && head.status == 101 && request != nullptr && request->websocket_upgrade;
  return HeadDecision{body, request != nullptr};
}

HeadDecision Stream::OnMalformedRequestHead(const RequestHead& head) {
  // Not reported: like a lost request, its response (if the server sends one) finds no request
  // and is counted unmatched.
  return HeadDecision{RequestBodyFraming(head), true};
}

HeadDecision Stream::OnMalformedResponseHead(const ResponseHead& head) {
  const Request* request = matcher_.Next();
  bool request_known = request != nullptr;
  BodyFraming body = ResponseBodyFraming(head, request ? std::string_view(request->method) : "");
  // A dropped final response takes its request along, as a lost one does.
  if (!IsInterimStatus(head.status)) matcher_.DropNext();
  if (body.kind == BodyKind::kTunnel) {
    // The peers switched protocols all the same: nothing after it is HTTP.
    upgraded_ = true;
    requests_.Stop();
  }
  return HeadDecision{body, request_known};
}

void Stream::OnMessageEnd(MessageKind kind, uint64_t last_byte_ns) {
  if (kind == MessageKind::kRequest) {
    matcher_.EndLastRequest(last_byte_ns);
    return;
  }
  if (IsInterimStatus(response_.status)) return;  // the final response is still to come
  Response response;
  response.status = response_.status;
  response.headers_truncated = response_.truncated;
  response.first_byte_ns = response_.first_byte_ns;
  response.last_byte_ns = last_byte_ns;
  matcher_.AddResponse(response, response_.request_known);
  if (response_.tunnel) {
    upgraded_ = true;
    websocket_ = response_.websocket;
    requests_.Stop();
    responses_.Stop();
  }
}

void Stream::OnSyncLost(MessageKind kind, bool in_message) {
  // A lost request needs nothing here: its response, finding no request, is counted unmatched.
  // A lost response must take its request along, or every later pair would be off by one.
  if (kind == MessageKind::kResponse && (!in_message || response_.request_known)) {
    matcher_.DropNext();
  }
}

}  // namespace hostlens::protocols::http1
