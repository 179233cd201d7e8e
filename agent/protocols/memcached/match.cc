#include "agent/protocols/memcached/match.h"

#include <algorithm>
#include <string_view>

#include "agent/protocols/memcached/limits.h"

namespace hostlens::protocols::memcached {

namespace {

bool IsError(std::string_view w) {
  return w == "ERROR" || w == "CLIENT_ERROR" || w == "SERVER_ERROR";
}

bool OneOf(std::string_view w, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// Whether `word` can answer a meta command (protocol.txt), in quiet mode or not. Errors answer
// any command; text commands take whatever comes.
bool CanAnswer(std::string_view verb, bool quiet, std::string_view word) {
  if (IsError(word)) return true;
  if (verb == "mn") return word == "MN";
  if (verb == "me") return word == "ME" || word == "EN";
  if (verb == "mg") return quiet ? OneOf(word, {"VA", "HD"}) : OneOf(word, {"VA", "HD", "EN"});
  if (verb == "ms") {
    return quiet ? OneOf(word, {"NS", "EX", "NF"}) : OneOf(word, {"HD", "NS", "EX", "NF"});
  }
  if (verb == "md") return quiet ? OneOf(word, {"NF", "EX"}) : OneOf(word, {"HD", "NF", "EX"});
  if (verb == "ma") {
    return quiet ? OneOf(word, {"NF", "NS", "EX"}) : OneOf(word, {"HD", "VA", "NF", "NS", "EX"});
  }
  return true;
}

}  // namespace

// The index in pending_ of the command `m` answers: the first that can have been sent it,
// passing quiet commands (their answer was suppressed) and meta commands it cannot answer.
size_t Matcher::Answered(const Message& m) const {
  for (size_t i = 0; i < pending_.size(); ++i) {
    const Pending& p = pending_[i];
    bool other = (!p.opaque.empty() && !m.opaque.empty() && p.opaque != m.opaque) ||
                 (p.has_key && m.has_key && p.key_hash != m.key_hash);
    if (!other && CanAnswer(p.command.name, p.quiet, m.verb)) return i;
    if (!p.quiet && MetaFlagsStart(p.command.name) == 0 && p.command.name != "mn" &&
        p.command.name != "me") {
      break;  // a text command: whatever comes is its answer
    }
  }
  return 0;  // no waiting command can have been sent it: the oldest takes it
}

void Matcher::OnCommand(const Message& m) {
  Pending p;
  p.kind = ClassifyVerb(m.verb);
  p.command.name = p.kind == Verb::kOther ? "_OTHER" : m.verb;
  p.command.start_ns = m.first_byte_ns;
  p.command.noreply = m.noreply;
  p.quiet = m.quiet;
  p.opaque = m.opaque;
  p.key_hash = m.key_hash;
  p.has_key = m.has_key;
  if (p.kind == Verb::kRetrieval) {
    uint64_t keys = m.tokens > 1 ? m.tokens - 1 : 0;
    if (m.verb == "gat" || m.verb == "gats") keys = keys > 0 ? keys - 1 : 0;  // exptime first
    p.command.keys_looked_up = static_cast<uint32_t>(std::min<uint64_t>(keys, UINT32_MAX));
  } else if (p.kind == Verb::kMetaGet) {
    p.command.keys_looked_up = 1;
  }
  if (m.noreply) {
    p.command.end_ns = m.last_byte_ns;
    ++unanswered_;
    Done(std::move(p.command));
    return;
  }
  if (m.verb == "quit") return;  // the server closes the connection
  if (pending_.size() >= kMaxPending) {
    pending_.pop_front();
    ++evicted_requests_;
  }
  pending_.push_back(std::move(p));
}

void Matcher::OnResponse(const Message& m) {
  if (pending_.empty()) {
    ++unmatched_responses_;
    return;
  }
  for (size_t skipped = Answered(m); skipped > 0; --skipped) {
    Pending q = std::move(pending_.front());
    pending_.pop_front();
    if (!q.quiet) {  // a meta command this answer cannot be for: its own was taken earlier
      ++lost_responses_;
      continue;
    }
    // Quiet, and a later command's answer came: the server suppressed this one's (an mg: a miss).
    ++unanswered_;
    q.command.noreply = true;
    q.command.end_ns = std::max(m.last_byte_ns, q.command.start_ns);
    Done(std::move(q.command));
  }
  Pending& p = pending_.front();
  bool finished = true;
  if (!m.error_type.empty()) {
    p.command.error_type = m.error_type;
    p.command.keys_looked_up = 0;
    p.command.hits = 0;
  } else if (p.kind == Verb::kRetrieval || p.kind == Verb::kStats) {
    if (m.verb == "VALUE") {
      if (p.command.hits < p.command.keys_looked_up) ++p.command.hits;
      finished = false;
    } else if (m.verb == "STAT" || m.verb == "ITEM" || m.verb == "PREFIX") {
      finished = false;
    }
  } else if (p.kind == Verb::kMetaGet) {
    p.command.hits = (m.verb == "VA" || m.verb == "HD") ? 1 : 0;
  }
  if (!finished) return;
  // Admin commands reported as _OTHER (slabs, lru_crawler...) have no result word.
  p.command.result = m.verb == "END" || !m.error_type.empty() || p.kind == Verb::kOther ? "" : m.verb;
  if (p.command.result.size() > 16 ||
      (!p.command.result.empty() && p.command.result[0] >= '0' && p.command.result[0] <= '9')) {
    p.command.result = "";  // incr/decr: the number is a value, not a result word
  }
  p.command.end_ns = std::max(m.last_byte_ns, p.command.start_ns);
  Command c = std::move(p.command);
  pending_.pop_front();
  Done(std::move(c));
}

void Matcher::Done(Command command) {
  if (done_.size() >= kMaxPending) {
    done_.erase(done_.begin());
    ++evicted_requests_;
  }
  done_.push_back(std::move(command));
}

void Matcher::OnFramingLost() {
  lost_responses_ += pending_.size();
  pending_.clear();
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
  stats->unanswered += unanswered_;
}

}  // namespace hostlens::protocols::memcached
