#pragma once

// Commands and responses of one connection → completed commands. Responses come in command
// order; a command sent with noreply expects none and is reported when sent. Retrievals collect
// VALUE lines until END (a key without a VALUE is a miss); stats collects STAT (ITEM, PREFIX)
// lines until END or its one line (RESET, OK); everything else ends at its one response line.
// When either direction loses framing, the commands waiting are dropped (lost_responses).
//
// Meta quiet mode (flag q, protocol.txt): the server suppresses mg's EN (a miss) and the HD of
// ms, md and ma (a success); errors and the other answers are sent. A quiet command waits like
// any other; an answer it cannot have been sent (another word, another opaque) belongs to a later
// command (the opaque of O, the key of k, when the answer echoes them, say which), and every
// quiet command before that one got nothing: each is reported noreply (an mg as a miss). When no
// waiting command can take an answer (an older server answering a quiet success), the oldest
// takes it. Without O or k, which of several quiet commands of one kind failed (or hit) is not on
// the wire: the oldest that could have is given the answer (the counts stay right).

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
    bool quiet = false;
    std::string opaque;
    uint64_t key_hash = 0;
    bool has_key = false;
  };
  size_t Answered(const Message& response) const;
  void Done(Command command);

  std::deque<Pending> pending_;
  std::vector<Command> done_;
  uint64_t evicted_requests_ = 0;
  uint64_t unmatched_responses_ = 0;
  uint64_t lost_responses_ = 0;
  uint64_t unanswered_ = 0;
};

}  // namespace hostlens::protocols::memcached
