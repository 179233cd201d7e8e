#include "agent/protocols/memcached/match.h"

#include <algorithm>

#include "agent/protocols/memcached/limits.h"

namespace hostlens::protocols::memcached {

void Matcher::OnCommand(const Message& m) {
  Pending p;
  p.kind = ClassifyVerb(m.verb);
  p.command.name = p.kind == Verb::kOther ? "_OTHER" : m.verb;
  p.command.start_ns = m.first_byte_ns;
  p.command.noreply = m.noreply;
  if (p.kind == Verb::kRetrieval) {
    uint64_t keys = m.tokens > 1 ? m.tokens - 1 : 0;
    if (m.verb == "gat" || m.verb == "gats") keys = keys > 0 ? keys - 1 : 0;  // exptime first
    p.command.keys_looked_up = static_cast<uint32_t>(std::min<uint64_t>(keys, UINT32_MAX));
  } else if (p.kind == Verb::kMetaGet) {
    p.command.keys_looked_up = 1;
  }
  if (m.noreply) {
    p.command.end_ns = m.last_byte_ns;
    if (p.kind == Verb::kMetaGet) p.command.keys_looked_up = 0;  // a quiet miss is silent
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
    } else if (m.verb == "STAT") {
      finished = false;
    }
  } else if (p.kind == Verb::kMetaGet) {
    p.command.hits = (m.verb == "VA" || m.verb == "HD") ? 1 : 0;
  }
  if (!finished) return;
  p.command.result = m.verb == "END" || !m.error_type.empty() ? "" : m.verb;
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
}

}  // namespace hostlens::protocols::memcached
