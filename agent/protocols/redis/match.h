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
// Commands the server sends nothing for are known from the commands themselves, as the server
// decides it for each command in order (networking.c):
// - CLIENT REPLY OFF silences every reply until CLIENT REPLY ON (whose +OK is sent) or RESET;
//   CLIENT REPLY SKIP silences the next command's reply (not when OFF already); neither gets a
//   reply itself; a silenced MULTI, +QUEUED or EXEC is silent as any other reply. Commands queued
//   in MULTI take effect only at EXEC, so a queued CLIENT REPLY changes nothing here;
// - a command with no arguments (multibulk count 0 or less, an empty inline line) is not run and
//   gets no reply, but like any command it ends a SKIP;
// - RESET leaves MULTI (the queued commands are discarded), RESP3 and pub/sub, and turns replies
//   back on (a SKIP still silences +RESET).
// Silenced commands are counted (unanswered), not reported; the pushes a server may still send
// meanwhile (Redis 7.2+ confirms a silenced SUBSCRIBE) stay pushes.
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

  void Reset();

  std::deque<Pending> pending_;
  std::deque<Pending> queued_;  // answered +QUEUED, waiting for EXEC
  std::vector<Command> done_;
  bool multi_open_ = false;  // MULTI sent, EXEC/DISCARD not yet
  bool subscribed_ = false;  // RESP2 pub/sub mode
  // A SUBSCRIBE-family command was silenced: RESP2 confirmations may still come, as pushes.
  bool silent_subscribe_ = false;
  bool replies_off_ = false;  // CLIENT REPLY OFF in effect
  bool skip_ = false;         // the next command's reply is silenced (CLIENT REPLY SKIP)
  int protocol_ = 2;

  uint64_t evicted_requests_ = 0;
  uint64_t unmatched_responses_ = 0;
  uint64_t lost_responses_ = 0;
  uint64_t pushes_ = 0;
  uint64_t discarded_ = 0;
  uint64_t unanswered_ = 0;
};

}  // namespace hostlens::protocols::redis
