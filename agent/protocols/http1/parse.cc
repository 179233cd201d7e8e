#include "agent/protocols/http1/parse.h"

#include "agent/protocols/http1/start_line.h"

namespace hostlens::protocols::http1 {
namespace {

enum class FieldsEnd {
  kBlankLine,   // the empty line ending the header block was reached
  kBareCr,      // a line opens with a CR that is not followed by LF
  kIncomplete,  // ran out of bytes first
  kInvalid,
};

// Parses the field lines of `text` from *pos; on kBlankLine *pos is just past the empty line,
// on kBareCr just past that CR. An incomplete last line is checked too, so that garbage fails
// now rather than after 64 KiB.
FieldsEnd ParseFields(std::string_view text, size_t* pos, HeaderFacts* facts) {
  bool first = true;
  while (true) {
    if (text.size() - *pos >= 2 && text[*pos] == '\r' && text[*pos + 1] != '\n') {
      ++*pos;
      return FieldsEnd::kBareCr;
    }
    size_t newline = text.find('\n', *pos);
    if (newline == std::string_view::npos) {
      return IsValidFieldLinePrefix(text.substr(*pos)) ? FieldsEnd::kIncomplete
                                                       : FieldsEnd::kInvalid;
    }
    std::string_view line = text.substr(*pos, newline - *pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    *pos = newline + 1;
    if (line.empty()) return FieldsEnd::kBlankLine;
    // A continuation line before any field (obs-fold right after the start line) is invalid.
    if (first && (line.front() == ' ' || line.front() == '\t')) return FieldsEnd::kInvalid;
    if (!ParseFieldLine(line, facts)) return FieldsEnd::kInvalid;
    first = false;
  }
}

// A request may not use a transfer coding other than a final "chunked" (RFC 9112 6.3): its
// length would be unknowable.
bool RequestFramingValid(const HeaderFacts& facts) {
  return !facts.transfer_encoding || facts.chunked;
}

void FillRequest(const RequestLine& line, RequestHead* out) {
  out->method.assign(line.method);
  out->target.assign(line.target);
  out->minor_version = line.minor_version;
}

// The start line that `match_line` reads, then the field lines up to the end of the head, which
// must be `wanted_end` (an empty line, or a bare CR opening a line). On kSuccess *line and
// *facts are filled and *end is just past that end.
template <typename Line>
ParseState ParseHead(std::string_view buf, LineMatch (*match_line)(std::string_view, Line*),
                     FieldsEnd wanted_end, Line* line, HeaderFacts* facts, size_t* end) {
  switch (match_line(buf, line)) {
    case LineMatch::kNo:
      return ParseState::kInvalid;
    case LineMatch::kNeedMore:
      return ParseState::kNeedsMoreData;
    case LineMatch::kYes:
      break;
  }
  *end = line->size;
  FieldsEnd fields_end = ParseFields(buf, end, facts);
  if (fields_end == FieldsEnd::kIncomplete) return ParseState::kNeedsMoreData;
  return fields_end == wanted_end ? ParseState::kSuccess : ParseState::kInvalid;
}

ParseState ParseRequest(std::string_view* buf, FieldsEnd wanted_end, RequestHead* out) {
  RequestLine line;
  HeaderFacts facts;
  size_t end = 0;
  if (ParseState state = ParseHead(*buf, MatchRequestLine, wanted_end, &line, &facts, &end);
      state != ParseState::kSuccess) {
    return state;
  }
  if (!RequestFramingValid(facts)) return ParseState::kInvalid;
  *out = RequestHead{};
  FillRequest(line, out);
  out->headers = facts;
  buf->remove_prefix(end);
  return ParseState::kSuccess;
}

ParseState ParseResponse(std::string_view* buf, FieldsEnd wanted_end, ResponseHead* out) {
  ResponseLine line;
  HeaderFacts facts;
  size_t end = 0;
  if (ParseState state = ParseHead(*buf, MatchResponseLine, wanted_end, &line, &facts, &end);
      state != ParseState::kSuccess) {
    return state;
  }
  *out = ResponseHead{};
  out->minor_version = line.minor_version;
  out->status = line.status;
  out->headers = facts;
  buf->remove_prefix(end);
  return ParseState::kSuccess;
}

}  // namespace

ParseState ParseRequestHead(std::string_view* buf, RequestHead* out) {
  return ParseRequest(buf, FieldsEnd::kBlankLine, out);
}

ParseState ParseResponseHead(std::string_view* buf, ResponseHead* out) {
  return ParseResponse(buf, FieldsEnd::kBlankLine, out);
}

ParseState ParseBareCrEndedRequestHead(std::string_view* buf, RequestHead* out) {
  return ParseRequest(buf, FieldsEnd::kBareCr, out);
}

ParseState ParseBareCrEndedResponseHead(std::string_view* buf, ResponseHead* out) {
  return ParseResponse(buf, FieldsEnd::kBareCr, out);
}

namespace {

// The complete field lines of a cut header block; stops at its last (cut) line.
bool ParseCutFields(std::string_view captured, size_t pos, HeaderFacts* facts) {
  size_t last_newline = captured.rfind('\n');
  if (last_newline == std::string_view::npos || last_newline < pos) return true;
  std::string_view complete = captured.substr(0, last_newline + 1);
  // ParseFields stops at a blank line; a complete header block is not "cut", but accept it.
  FieldsEnd end = ParseFields(complete, &pos, facts);
  return end == FieldsEnd::kBlankLine || end == FieldsEnd::kIncomplete;
}

}  // namespace

bool ParseTruncatedRequestHead(std::string_view captured, RequestHead* out) {
  RequestLine line;
  LineMatch match = MatchRequestLine(captured, &line);
  if (match == LineMatch::kNo) return false;
  *out = RequestHead{};
  out->truncated = true;
  if (match == LineMatch::kNeedMore) {
    if (!IsPlausibleCutRequestLine(line)) return false;
    FillRequest(line, out);
    return true;
  }
  FillRequest(line, out);
  if (!ParseCutFields(captured, line.size, &out->headers)) return false;
  return RequestFramingValid(out->headers);
}

bool ParseTruncatedResponseHead(std::string_view captured, ResponseHead* out) {
  ResponseLine line;
  LineMatch match = MatchResponseLine(captured, &line);
  if (match == LineMatch::kNo) return false;
  if (match == LineMatch::kNeedMore && !IsPlausibleCutResponseLine(line)) return false;
  *out = ResponseHead{};
  out->truncated = true;
  out->minor_version = line.minor_version;
  out->status = line.status;
  if (match == LineMatch::kNeedMore) return true;
  return ParseCutFields(captured, line.size, &out->headers);
}

bool LooksLikeRequest(std::string_view head) {
  RequestLine line;
  switch (MatchRequestLine(head, &line)) {
    case LineMatch::kYes:
      return true;
    case LineMatch::kNeedMore:
      return IsPlausibleCutRequestLine(line);
    case LineMatch::kNo:
      return false;
  }
  return false;
}

bool LooksLikeResponse(std::string_view head) {
  ResponseLine line;
  switch (MatchResponseLine(head, &line)) {
    case LineMatch::kYes:
      return true;
    case LineMatch::kNeedMore:
      return IsPlausibleCutResponseLine(line);
    case LineMatch::kNo:
      return false;
  }
  return false;
}

}  // namespace hostlens::protocols::http1
