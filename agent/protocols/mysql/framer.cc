#include "agent/protocols/mysql/framer.h"

#include "agent/protocols/mysql/limits.h"

namespace hostlens::protocols::mysql {

ParseState PacketFormat::ParseHeader(std::string_view header, Packet* packet) {
  uint32_t length = 0;
  uint8_t seq = 0;
  ParseState state = ParsePacketHeader(&header, &length, &seq);
  if (state != ParseState::kSuccess) return state;
  packet->payload_length = length;
  packet->seq = seq;
  packet->continuation = continued_;
  continued_ = length == kMaxPacketLength;
  return state;
}

size_t PacketFormat::KeepLimit(const Packet& packet) const {
  if (packet.continuation) return 0;
  return client_ ? kMaxClientPacketBytes : kMaxServerPacketBytes;
}

bool PacketFormat::ResyncAt(std::string_view head, uint64_t length) {
  // Only called while sync is lost, and ExpectResponseStart only then: the flag is for the
  // first segment after it.
  bool expected = client_ || expect_response_;
  expect_response_ = false;
  if (!expected || !PlausiblePacketStart(head, length, client_ ? 0 : 1)) return false;
  continued_ = false;
  return true;
}

bool PacketFormat::FrameAtEnd(std::string_view end, Packet* packet) const {
  size_t size = 0;
  if (client_ || !EndsWithFinalResultPacket(end, &size)) return false;
  packet->payload_length = static_cast<uint32_t>(size - 4);
  packet->seq = static_cast<uint8_t>(end[end.size() - size + 3]);
  packet->payload.assign(end.substr(end.size() - size + 4));
  return true;
}

}  // namespace hostlens::protocols::mysql
