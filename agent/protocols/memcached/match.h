#pragma once

// Commands and responses of one connection → completed commands. Responses come in command
// order; a command sent with noreply (or meta quiet mode q) expects none and is reported when
// sent. Retrievals collect VALUE lines until END (a key without a VALUE is a miss); stats collects
// STAT lines until END; everything else ends at its one response line. When either direction
// loses framing, the commands waiting are dropped (lost_responses).
//
// Meta quiet mode is approximated: a quiet command is treated as noreply, so its rare failure
// response (or an mg hit) arrives unmatched or is paired with the next command.

#include <cstdint>
#include <deque>
#include <vector>

#include "agent/protocols/memcached/parse.h"
#include "agent/protocols/memcached/types.h"

namespace hostlens::protocols::memcached {

class Matcher {
 public:
  void OnCommand(const Message& message);
  void OnResponse(const Message& message);
  void OnFramingLost();
  std::vector<Command> TakeCommands();

  size_t pending() const { return pending_.size(); }
  void AddStats(StreamStats* stats) const;

 private:
  struct Pending {
    Command command;
    Verb kind = Verb::kOther;
  };
  void Done(Command command);

  std::deque<Pending> pending_;
  std::vector<Command> done_;
  uint64_t evicted_requests_ = 0;
  uint64_t unmatched_responses_ = 0;
  uint64_t lost_responses_ = 0;
};

}  // namespace hostlens::protocols::memcached
