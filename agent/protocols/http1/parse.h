#pragma once

// HTTP/1.x message heads over a contiguous captured buffer. The contract every protocol parser
// here follows: take a std::string_view*, return success / needs-more-data / invalid, and
// consume input only on success. Pure functions: no state, no allocation beyond the outputs.

#include <string>
#include <string_view>

#include "agent/protocols/http1/header_fields.h"

namespace hostlens::protocols::http1 {

enum class ParseState { kSuccess, kNeedsMoreData, kInvalid };

struct RequestHead {
  std::string method;
  std::string target;
  int minor_version = 1;
  HeaderFacts headers;
  bool truncated = false;  // parsed from the captured part of a longer header block
};

struct ResponseHead {
  int minor_version = 1;
  int status = 0;
  HeaderFacts headers;
  bool truncated = false;
};

// A request line and header block up to and including the empty line that ends it. Invalid
// covers what a server would answer 400 to and that breaks framing: a malformed line, a bad or
// conflicting Content-Length, a Transfer-Encoding whose final coding is not chunked.
ParseState ParseRequestHead(std::string_view* buf, RequestHead* out);
// A status line and header block, likewise.
ParseState ParseResponseHead(std::string_view* buf, ResponseHead* out);

// A header block that breaks the grammar only where it ends: its empty line is a bare CR (a CR
// followed by something other than LF). RFC 9112 section 2.2 makes that invalid, and the two
// above reject it; but lenient parsers end the block at that CR and frame the body from its
// fields, so the framer can drop the message and stay in step instead of losing sync. On success
// consumes the block through that CR; success depends on the byte after it, which stays.
ParseState ParseBareCrEndedRequestHead(std::string_view* buf, RequestHead* out);
ParseState ParseBareCrEndedResponseHead(std::string_view* buf, ResponseHead* out);

// The captured prefix of a header block that continues past the capture: the start line
// (possibly cut, when it still names the method and the start of the target) and the complete
// field lines; a cut last line is ignored, as a cut "Content-Length: 12" may mean 123. Sets
// `truncated`. False when the prefix cannot be the start of a request (response).
bool ParseTruncatedRequestHead(std::string_view captured, RequestHead* out);
bool ParseTruncatedResponseHead(std::string_view captured, ResponseHead* out);

// Whether the first bytes of a connection (or of a segment) start an HTTP/1.x request
// (response): a complete start line, or one cut by the end of `head` after the method and the
// start of the target (after the status code).
bool LooksLikeRequest(std::string_view head);
bool LooksLikeResponse(std::string_view head);

}  // namespace hostlens::protocols::http1
