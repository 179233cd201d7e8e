#include "agent/protocols/mysql/parse.h"

#include <algorithm>

#include "agent/protocols/mysql/limits.h"

namespace hostlens::protocols::mysql {
namespace {

uint32_t ReadLe(std::string_view b, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint32_t{static_cast<uint8_t>(b[i])} << (8 * i);
  return v;
}

uint8_t Byte(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }

}  // namespace

ParseState ParsePacketHeader(std::string_view* buf, uint32_t* payload_length, uint8_t* seq) {
  if (buf->size() < 4) return ParseState::kNeedsMoreData;
  *payload_length = ReadLe(*buf, 3);
  *seq = Byte(*buf, 3);
  buf->remove_prefix(4);
  return ParseState::kSuccess;
}

bool ReadLengthEncodedInt(std::string_view* buf, uint64_t* value) {
  if (buf->empty()) return false;
  uint8_t first = Byte(*buf, 0);
  size_t n = first < 0xfb ? 0 : first == 0xfc ? 2 : first == 0xfd ? 3 : first == 0xfe ? 8 : 99;
  if (n == 99 || first == 0xfb || buf->size() < 1 + n) return false;
  if (n == 0) {
    *value = first;
  } else if (n == 8) {
    *value = uint64_t{ReadLe(buf->substr(1), 4)} | (uint64_t{ReadLe(buf->substr(5), 4)} << 32);
  } else {
    *value = ReadLe(buf->substr(1), n);
  }
  buf->remove_prefix(1 + n);
  return true;
}

bool ParseServerGreeting(std::string_view payload, uint32_t* capabilities) {
  if (payload.empty() || Byte(payload, 0) != 10) return false;
  size_t nul = payload.find('\0', 1);
  if (nul == std::string_view::npos) return false;
  // connection id (4), auth data part 1 (8), filler (1), capabilities low (2), charset (1),
  // status (2), capabilities high (2).
  size_t low = nul + 1 + 4 + 8 + 1;
  if (payload.size() < low + 2) return false;
  uint32_t caps = ReadLe(payload.substr(low), 2);
  if (payload.size() >= low + 7) caps |= ReadLe(payload.substr(low + 5), 2) << 16;
  *capabilities = caps;
  return true;
}

bool ParseHandshakeResponse(std::string_view payload, uint64_t payload_length,
                            uint32_t* capabilities, bool* ssl_request) {
  if (payload.size() < 4) return false;
  uint32_t caps = ReadLe(payload, 4);
  if (!(caps & kClientProtocol41)) caps &= 0xffff;  // HandshakeResponse320: 2-byte flags
  *capabilities = caps;
  *ssl_request = (caps & kClientSsl) != 0 && payload_length == 32;
  return true;
}

std::string ErrorCode(std::string_view payload) {
  if (payload.size() < 3 || Byte(payload, 0) != 0xff) return "";
  return std::to_string(ReadLe(payload.substr(1), 2));
}

bool ParseOkStatus(std::string_view payload, uint16_t* status) {
  if (payload.empty()) return false;
  payload.remove_prefix(1);
  uint64_t affected = 0, last_insert_id = 0;
  if (!ReadLengthEncodedInt(&payload, &affected) ||
      !ReadLengthEncodedInt(&payload, &last_insert_id) || payload.size() < 2) {
    return false;
  }
  *status = static_cast<uint16_t>(ReadLe(payload, 2));
  return true;
}

bool ParseEofStatus(std::string_view payload, uint16_t* status) {
  if (payload.size() < 5 || Byte(payload, 0) != 0xfe) return false;
  *status = static_cast<uint16_t>(ReadLe(payload.substr(3), 2));
  return true;
}

bool IsEofPacket(std::string_view payload, uint64_t payload_length) {
  return payload_length == 5 && !payload.empty() && Byte(payload, 0) == 0xfe;
}

bool ParseTerminatorStatus(std::string_view payload, uint64_t payload_length, uint16_t* status) {
  return payload_length == 5 ? ParseEofStatus(payload, status) : ParseOkStatus(payload, status);
}

bool ParsePrepareOk(std::string_view payload, uint32_t* statement_id, uint16_t* columns,
                    uint16_t* params) {
  if (payload.size() < 5 || Byte(payload, 0) != 0) return false;
  *statement_id = ReadLe(payload.substr(1), 4);
  if (payload.size() < 9) return false;
  *columns = static_cast<uint16_t>(ReadLe(payload.substr(5), 2));
  *params = static_cast<uint16_t>(ReadLe(payload.substr(7), 2));
  return true;
}

bool ParseStatementId(std::string_view payload, uint32_t* statement_id) {
  if (payload.size() < 5) return false;
  *statement_id = ReadLe(payload.substr(1), 4);
  return true;
}

bool PlausiblePacketStart(std::string_view head, uint64_t segment_length, uint8_t first_seq) {
  uint64_t pos = 0;
  int count = 0;
  uint8_t want = first_seq;
  while (pos + 4 <= head.size()) {
    std::string_view rest = head.substr(pos);
    uint32_t length = 0;
    uint8_t seq = 0;
    if (ParsePacketHeader(&rest, &length, &seq) != ParseState::kSuccess) return false;
    if (seq != want || length == 0) return false;
    want = static_cast<uint8_t>(seq + 1);
    pos += 4 + uint64_t{length};
    ++count;
  }
  if (count == 0) return false;
  // Exactly the segment, or a packet running on past the head (into the gap or the next
  // segment), or, when the head is cut, packets ending in it (the next header cut or in the gap).
  return pos == segment_length || pos > head.size() || head.size() < segment_length;
}

bool EndsWithFinalResultPacket(std::string_view captured_end, size_t* packet_size) {
  // Largest final packet looked for: an OK with 0xfe, two short length-encoded integers, status
  // and warnings, and a few bytes of session-state info.
  size_t max_packet = std::min<size_t>(captured_end.size(), 16);
  for (size_t size = 9; size <= max_packet; ++size) {
    std::string_view packet = captured_end.substr(captured_end.size() - size);
    uint32_t length = ReadLe(packet, 3);
    if (length != size - 4 || Byte(packet, 4) != 0xfe) continue;
    if (length != 5 && length < 7) continue;
    uint16_t status = 0;
    if (!ParseTerminatorStatus(packet.substr(4), length, &status)) continue;
    if (status & kServerMoreResultsExist) continue;
    *packet_size = size;
    return true;
  }
  return false;
}

bool LooksLikeMysqlServerGreeting(std::string_view first_ingress_bytes) {
  std::string_view buf = first_ingress_bytes;
  uint32_t length = 0;
  uint8_t seq = 0;
  if (ParsePacketHeader(&buf, &length, &seq) != ParseState::kSuccess) return false;
  if (seq != 0 || length < 20 || length > 1024) return false;
  if (buf.empty() || Byte(buf, 0) != 10) return false;
  buf = buf.substr(0, std::min<size_t>(buf.size(), length));
  size_t nul = buf.find('\0', 1);
  size_t version_end = nul == std::string_view::npos ? buf.size() : nul;
  if (version_end < 2 || version_end > 100) return false;
  for (size_t i = 1; i < version_end; ++i) {
    uint8_t c = Byte(buf, i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  if (nul == std::string_view::npos) return buf.size() < length;  // the rest was not captured
  // connection id (4), auth data (8), then a zero filler byte.
  size_t filler = nul + 1 + 4 + 8;
  return buf.size() <= filler || Byte(buf, filler) == 0;
}

bool LooksLikeMysqlQueryWrite(std::string_view head, uint64_t segment_length) {
  std::string_view buf = head;
  uint32_t length = 0;
  uint8_t seq = 0;
  if (ParsePacketHeader(&buf, &length, &seq) != ParseState::kSuccess) return false;
  if (seq != 0 || length < 2 || uint64_t{length} + 4 != segment_length || buf.size() < 2) {
    return false;
  }
  const uint8_t command = Byte(buf, 0);
  if (command != kComQuery && command != kComStmtPrepare) return false;
  const char c = buf[1];
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '(' || c == ' ' ||
         c == '\n' || c == '\t' || c == '-' || c == '/';
}

}  // namespace hostlens::protocols::mysql
