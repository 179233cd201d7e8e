#pragma once

// One direction of a connection: segments (captured head, uncaptured gap, captured tail) →
// packets. Every packet is a 3-byte length and a sequence id, so boundaries are kept across gaps
// by counting. When a gap hides a packet header sync is lost; it is found again:
// - client side: at the start of a later segment holding a command (sequence id 0) whose
//   captured packets chain plausibly (clients write each command with one syscall);
// - server side: at a final EOF/OK ending a segment's captured tail (the usual end of a large
//   result set: the last read ends with the terminating packet), emitted as an `inferred`
//   packet; or at the start of the first segment after a new command (ExpectResponseStart), if
//   it plausibly starts with sequence id 1.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/protocols/mysql/types.h"

namespace hostlens::protocols::mysql {

class Framer {
 public:
  // client: client → server packets.
  explicit Framer(bool client) : client_(client) {}

  // Appends the packets completed by the segment to *out.
  void OnSegment(const Segment& segment, std::vector<Packet>* out);
  // Server side: a new command was sent, so the next segment may start its response.
  void ExpectResponseStart() { expect_response_ = true; }
  // Nothing after this is parsed (TLS).
  void Stop() { state_ = State::kStopped; }

  bool stopped() const { return state_ == State::kStopped; }
  bool synced() const { return state_ != State::kLost; }
  uint64_t resyncs() const { return resyncs_; }
  uint64_t tail_recoveries() const { return tail_recoveries_; }

 private:
  enum class State { kHeader, kBody, kLost, kStopped };

  void Feed(std::string_view data);
  void Skip(uint64_t n);
  void StartPacket();
  void Finish();
  void LoseSync();
  void Resync();

  bool client_;
  State state_ = State::kHeader;
  bool expect_response_ = false;
  bool continued_ = false;  // the previous packet had a 0xffffff-byte payload
  uint64_t resyncs_ = 0;
  uint64_t tail_recoveries_ = 0;

  std::vector<Packet>* out_ = nullptr;  // valid during OnSegment
  uint64_t ts_ = 0;                     // of the segment being read

  std::string header_;  // bytes of the 4-byte header being read
  uint64_t header_ts_ = 0;
  Packet packet_;
  uint64_t remaining_ = 0;
  size_t keep_ = 0;
};

}  // namespace hostlens::protocols::mysql
