#pragma once

// Commands and replies of one connection → completed commands. Replies come in command order
// (RESP has no ids); what is not a reply is set aside first:
// - RESP3 pushes ('>') are never replies, except the confirmations of SUBSCRIBE-family commands;
// - in RESP2 pub/sub mode (after a subscribe confirmation) arrays starting with "message" /
//   "pmessage" / "smessage" are pushes;
// - a SUBSCRIBE-family command gets one confirmation (carrying its own name: "psubscribe") per
//   channel and ends at its last one; UNSUBSCRIBE without channels ends at the confirmation
//   saying no subscription is left, or else at its last confirmation before anything else;
// - inside MULTI, "+QUEUED" parks the command until EXEC, whose array gives each its result.
// When reply framing is lost, the commands waiting are dropped (lost_responses): which replies
// the gap hid is unknown. When command framing is lost, the commands waiting are dropped once it
// is found again (the hidden commands' replies arrive unmatched).

#include <cstdint>
#include <deque>
#include <vector>

#include "agent/protocols/redis/types.h"

namespace hostlens::protocols::redis {

class Matcher {
 public:
  void OnCommand(const Message& message);
  void OnReply(const Message& message);
  // Framing of replies was lost / framing of commands was found again after a loss.
  void OnRepliesLost();
  void OnCommandsResynced();
  std::vector<Command> TakeCommands();

  size_t pending() const { return pending_.size() + queued_.size(); }
  int protocol() const { return protocol_; }
  bool subscribed() const { return subscribed_; }
  void AddStats(StreamStats* stats) const;

 private:
  enum class Lookup : uint8_t { kNone, kSingle, kMulti };
  struct Pending {
    Command command;
    Lookup lookup = Lookup::kNone;
    bool queued = false;        // sent inside MULTI
    int64_t confirmations = 0;  // subscribe family: confirmations expected (-1: until count 0)
    bool subscribe_family = false;
    int hello_version = 0;
    uint64_t last_confirmation_ns = 0;
  };

  void Complete(Pending pending, const ReplyItem& result, uint64_t end_ns);
  bool OnConfirmation(const Message& message);
  void CloseOpenUnsubscribes();
  void Done(Command command);

  std::deque<Pending> pending_;
  std::deque<Pending> queued_;  // answered +QUEUED, waiting for EXEC
  std::vector<Command> done_;
  bool multi_open_ = false;  // MULTI sent, EXEC/DISCARD not yet
  bool subscribed_ = false;  // RESP2 pub/sub mode
  int protocol_ = 2;

  uint64_t evicted_requests_ = 0;
  uint64_t unmatched_responses_ = 0;
  uint64_t lost_responses_ = 0;
  uint64_t pushes_ = 0;
  uint64_t discarded_ = 0;
};

}  // namespace hostlens::protocols::redis
