#pragma once

// Request lines ("METHOD SP target SP HTTP/1.x") and status lines ("HTTP/1.x SP 3DIGIT SP
// reason"), recognised on a possibly incomplete prefix: protocol detection, resync and header
// parsing all ask the same question here.

#include <cstddef>
#include <string_view>

namespace hostlens::protocols::http1 {

enum class LineMatch {
  kYes,       // a complete, well-formed line
  kNo,        // cannot be the start of such a line
  kNeedMore,  // a well-formed prefix of one; more bytes decide
};

// Views into the matched text. On kNeedMore, the fields hold what the prefix showed.
struct RequestLine {
  std::string_view method;  // set once the SP after it was seen
  std::string_view target;  // whole target on kYes, the visible part on kNeedMore
  int minor_version = 1;
  size_t size = 0;  // bytes including the line end (kYes only)
};

struct ResponseLine {
  int minor_version = 1;
  int status = 0;  // set once the three digits were seen
  size_t size = 0;
};

LineMatch MatchRequestLine(std::string_view text, RequestLine* out);
LineMatch MatchResponseLine(std::string_view text, ResponseLine* out);

// Whether a request line cut after these bytes (by the capture limit) still identifies the
// method and the start of the target: "GET /very/long/ur" does, "GET" or "GET k" do not.
bool IsPlausibleCutRequestLine(const RequestLine& seen);
// Same for a status line: "HTTP/1.1 200" does, "HTTP/1.1 20" does not.
bool IsPlausibleCutResponseLine(const ResponseLine& seen);

}  // namespace hostlens::protocols::http1
