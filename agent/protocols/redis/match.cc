#include "agent/protocols/redis/match.h"

#include <string_view>

#include "agent/protocols/redis/limits.h"

namespace hostlens::protocols::redis {

namespace {

bool IsSubscribe(std::string_view n) {
  return n == "SUBSCRIBE" || n == "PSUBSCRIBE" || n == "SSUBSCRIBE";
}
bool IsUnsubscribe(std::string_view n) {
  return n == "UNSUBSCRIBE" || n == "PUNSUBSCRIBE" || n == "SUNSUBSCRIBE";
}

ReplyItem TopLevel(const Message& m) {
  ReplyItem item;
  item.type = m.type;
  item.null = m.null;
  item.error_type = m.error_type;
  item.integer = m.integer;
  item.elements = m.elements;
  item.null_elements = m.null_elements;
  return item;
}

}  // namespace

void Matcher::OnCommand(const Message& m) {
  if (m.elements == 0) {  // nothing run, nothing answered; the client is reset (ends a SKIP)
    skip_ = false;
    return;
  }
  Pending p;
  p.command.name = m.name.empty() ? "_OTHER" : m.name;
  p.command.start_ns = m.first_byte_ns;
  const std::string_view n = p.command.name;
  uint64_t args = m.elements > 0 ? m.elements - 1 : 0;
  if (n == "GET" || n == "GETEX" || n == "GETDEL" || n == "HGET") {
    p.lookup = Lookup::kSingle;
    p.command.keys_looked_up = 1;
  } else if (n == "MGET" || n == "HMGET") {
    p.lookup = Lookup::kMulti;
    uint64_t keys = n == "MGET" ? args : (args > 0 ? args - 1 : 0);
    p.command.keys_looked_up = static_cast<uint32_t>(std::min<uint64_t>(keys, UINT32_MAX));
  }
  if (IsSubscribe(n) || IsUnsubscribe(n)) {
    p.subscribe_family = true;
    p.confirmations = args > 0 ? static_cast<int64_t>(args) : (IsSubscribe(n) ? 1 : -1);
  }
  p.hello_version = n == "HELLO" ? m.hello_version : 0;
  // Inside MULTI every command is queued but these, which run at once.
  const bool reset = n == "RESET";
  if (multi_open_ && n != "EXEC" && n != "DISCARD" && n != "MULTI" && n != "WATCH" &&
      n != "QUIT" && !reset) {
    p.queued = true;
  }
  if (n == "MULTI") multi_open_ = true;
  if (n == "EXEC" || n == "DISCARD" || reset) multi_open_ = false;
  p.command.in_transaction = p.queued;

  // Whether the server sends this command's reply, decided as it runs the command.
  bool silent = replies_off_ || skip_;
  bool skip_next = false;
  if (!p.queued && m.client_reply != ClientReply::kNone) {
    switch (m.client_reply) {
      case ClientReply::kOn:  // clears both before its +OK
        replies_off_ = false;
        skip_ = false;
        silent = false;
        break;
      case ClientReply::kOff:
        replies_off_ = true;
        silent = true;
        break;
      case ClientReply::kSkip:
        skip_next = !replies_off_;
        silent = true;
        break;
      case ClientReply::kNone:
        break;
    }
  }
  if (reset) {
    replies_off_ = false;  // before +RESET; a SKIP still applies to it
    silent = skip_;
  }
  skip_ = skip_next;
  if (silent) {
    ++unanswered_;
    if (p.subscribe_family) silent_subscribe_ = true;
    if (reset) Reset();
    if (n == "EXEC" || n == "DISCARD") {  // its queued commands' results are never seen
      unanswered_ += queued_.size();
      queued_.clear();
    }
    return;
  }
  if (pending_.size() >= kMaxPending) {
    pending_.pop_front();
    ++evicted_requests_;
  }
  pending_.push_back(std::move(p));
}

// A subscribe/unsubscribe confirmation: counts towards the command waiting for it.
bool Matcher::OnConfirmation(const Message& m) {
  int64_t count = m.items.size() >= 3 ? m.items[2].integer : 0;
  if (m.pubsub == PubSubKind::kSubscribe || count > 0) subscribed_ = protocol_ == 2 && count > 0;
  if (m.pubsub == PubSubKind::kUnsubscribe && count == 0) subscribed_ = false;
  auto answers = [&](const Pending& p) {
    if (!p.subscribe_family || p.command.name.size() != m.pubsub_word.size()) return false;
    for (size_t i = 0; i < m.pubsub_word.size(); ++i) {
      if (p.command.name[i] != m.pubsub_word[i] - 'a' + 'A') return false;
    }
    return true;
  };
  if (!pending_.empty() && !answers(pending_.front())) CloseOpenUnsubscribes();
  if (pending_.empty() || !answers(pending_.front())) {
    ++pushes_;  // e.g. a server-side unsubscribe
    return true;
  }
  Pending& p = pending_.front();
  p.last_confirmation_ns = m.last_byte_ns;
  bool last = p.confirmations < 0 ? count == 0 : --p.confirmations <= 0;
  if (last) {
    Pending done = std::move(p);
    pending_.pop_front();
    Complete(std::move(done), ReplyItem{}, m.last_byte_ns);
  }
  return true;
}

void Matcher::OnReply(const Message& m) {
  bool confirmation = m.pubsub == PubSubKind::kSubscribe || m.pubsub == PubSubKind::kUnsubscribe;
  bool in_pubsub = subscribed_ || (!pending_.empty() && pending_.front().subscribe_family) ||
                   (silent_subscribe_ && confirmation && m.items.size() == 3 &&
                    m.items[2].type == ':');
  if (m.type == '>') {
    if (confirmation) {
      OnConfirmation(m);
    } else {
      ++pushes_;
    }
    return;
  }
  if (m.type == '*' && in_pubsub && protocol_ == 2) {
    if (m.pubsub == PubSubKind::kMessage) {
      ++pushes_;
      return;
    }
    if (confirmation) {
      OnConfirmation(m);
      return;
    }
  }
  if (m.error_type.empty()) CloseOpenUnsubscribes();
  if (pending_.empty()) {
    ++unmatched_responses_;
    return;
  }
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  // p may be moved below: what its name decides is read first.
  const std::string_view n = p.command.name;
  const bool exec = n == "EXEC", discard = n == "DISCARD", hello = n == "HELLO";
  const bool reset = n == "RESET";

  if (p.queued && m.error_type.empty()) {
    if (m.queued) {
      if (queued_.size() >= kMaxQueued) {
        queued_.pop_front();
        ++evicted_requests_;
      }
      queued_.push_back(std::move(p));
      return;
    }
  }
  if (exec) {
    bool ran = m.error_type.empty() && !m.null && (m.type == '*');
    if (ran) {
      size_t i = 0;
      while (!queued_.empty()) {
        Pending q = std::move(queued_.front());
        queued_.pop_front();
        ReplyItem result = i < m.items.size() ? m.items[i] : ReplyItem{};
        ++i;
        Complete(std::move(q), result, m.last_byte_ns);
      }
    } else {
      discarded_ += queued_.size();
      queued_.clear();
    }
  } else if (discard) {
    discarded_ += queued_.size();
    queued_.clear();
  } else if (hello && m.error_type.empty() && p.hello_version >= 2) {
    protocol_ = p.hello_version;
    if (protocol_ == 3) subscribed_ = false;
  } else if (reset && m.error_type.empty()) {
    Reset();
  }
  Complete(std::move(p), TopLevel(m), m.last_byte_ns);
}

// An UNSUBSCRIBE without channels that saw confirmations ends at the next message that is not
// one of its confirmations (how many channels it had is not known).
void Matcher::CloseOpenUnsubscribes() {
  while (!pending_.empty() && pending_.front().subscribe_family &&
         pending_.front().last_confirmation_ns != 0) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    uint64_t end = p.last_confirmation_ns;
    Complete(std::move(p), ReplyItem{}, end);
  }
}

void Matcher::Complete(Pending p, const ReplyItem& result, uint64_t end_ns) {
  Command c = std::move(p.command);
  c.end_ns = end_ns < c.start_ns ? c.start_ns : end_ns;
  c.error_type = result.error_type;
  if (!c.error_type.empty()) {
    c.keys_looked_up = 0;
  } else if (p.lookup == Lookup::kSingle) {
    c.hits = result.null ? 0 : 1;
  } else if (p.lookup == Lookup::kMulti) {
    if (result.null || result.elements != c.keys_looked_up) {
      c.keys_looked_up = 0;  // not the array of one element per key: no lookup to count
    } else {
      c.hits = static_cast<uint32_t>(result.elements - result.null_elements);
    }
  }
  Done(std::move(c));
}

void Matcher::Done(Command command) {
  if (done_.size() >= kMaxPending) {
    done_.erase(done_.begin());
    ++evicted_requests_;
  }
  done_.push_back(std::move(command));
}

// RESET: out of MULTI (its queued commands discarded), RESP2, no subscriptions.
void Matcher::Reset() {
  discarded_ += queued_.size();
  queued_.clear();
  protocol_ = 2;
  subscribed_ = false;
  silent_subscribe_ = false;
}

void Matcher::OnRepliesLost() {
  lost_responses_ += pending_.size();
  pending_.clear();
}

void Matcher::OnCommandsResynced() {
  lost_responses_ += pending_.size();
  pending_.clear();
  multi_open_ = false;
  // Which of the hidden commands changed the reply mode is unknown: assume replies are on.
  replies_off_ = false;
  skip_ = false;
}

std::vector<Command> Matcher::TakeCommands() {
  std::vector<Command> out;
  out.swap(done_);
  return out;
}

void Matcher::AddStats(StreamStats* stats) const {
  stats->evicted_requests += evicted_requests_;
  stats->unmatched_responses += unmatched_responses_;
  stats->lost_responses += lost_responses_;
  stats->pushes += pushes_;
  stats->discarded += discarded_;
  stats->unanswered += unanswered_;
}

}  // namespace hostlens::protocols::redis
