#pragma once

// One direction of a connection: segments (captured head, uncaptured gap, captured tail) →
// packets. Every packet is a 3-byte length and a sequence id; framing is
// length_prefixed::Framer's, this is the header format. Sync is found again:
// - client side: at the start of a later segment holding a command (sequence id 0) whose
//   captured packets chain plausibly (clients write each command with one syscall);
// - server side: at a final EOF/OK ending a segment's captured tail (the usual end of a large
//   result set: the last read ends with the terminating packet), emitted as an `inferred`
//   packet; or at the start of the first segment after a new command (ExpectResponseStart), if
//   it plausibly starts with sequence id 1.

#include <cstdint>
#include <string_view>

#include "agent/protocols/length_prefixed/framer.h"
#include "agent/protocols/mysql/parse.h"
#include "agent/protocols/mysql/types.h"

namespace hostlens::protocols::mysql {

// The length_prefixed::Framer format of one direction.
class PacketFormat {
 public:
  using Frame = Packet;

  explicit PacketFormat(bool client) : client_(client) {}
  void ExpectResponseStart() { expect_response_ = true; }

  size_t BeginHeader(char /*first_byte*/) const { return 4; }
  ParseState ParseHeader(std::string_view header, Packet* packet);
  size_t KeepLimit(const Packet& packet) const;
  bool OnFrame(const Packet& /*packet*/) const { return true; }
  bool ResyncAt(std::string_view head, uint64_t length);
  bool FrameAtEnd(std::string_view end, Packet* packet) const;
  void OnLoseSync() { continued_ = false; }

 private:
  bool client_;
  bool expect_response_ = false;
  bool continued_ = false;  // the previous packet had a 0xffffff-byte payload
};

// client: client → server packets.
class Framer : public length_prefixed::Framer<PacketFormat> {
 public:
  explicit Framer(bool client) : length_prefixed::Framer<PacketFormat>(PacketFormat(client)) {}
  // Server side: a new command was sent, so the next segment may start its response.
  void ExpectResponseStart() { format().ExpectResponseStart(); }
};

}  // namespace hostlens::protocols::mysql
