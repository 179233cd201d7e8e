#include "agent/protocols/http1/match.h"

#include <utility>

#include "agent/protocols/http1/limits.h"

namespace hostlens::protocols::http1 {

void Matcher::AddRequest(Request request) {
  if (pending_.size() == kMaxOutstandingRequests) {
    pending_.pop_front();
    ++evicted_requests_;
    ++responses_to_skip_;
  }
  pending_.push_back(std::move(request));
}

void Matcher::EndLastRequest(uint64_t last_byte_ns) {
  // Requests are read in order, so while the one that ended is waiting it is the last one.
  if (!pending_.empty()) pending_.back().last_byte_ns = last_byte_ns;
}

const Request* Matcher::Next() const {
  if (responses_to_skip_ > 0 || pending_.empty()) return nullptr;
  return &pending_.front();
}

void Matcher::AddResponse(const Response& response, bool answers_next) {
  // The oldest evicted request is older than any waiting one: this answers it (even when its
  // request was evicted while the response was being read).
  if (responses_to_skip_ > 0) {
    --responses_to_skip_;  // already counted as evicted
    return;
  }
  if (!answers_next || pending_.empty()) {
    ++unmatched_responses_;
    return;
  }
  exchanges_.push_back(Exchange{std::move(pending_.front()), response});
  pending_.pop_front();
}

void Matcher::DropNext() {
  if (responses_to_skip_ > 0) {
    --responses_to_skip_;
    return;
  }
  if (pending_.empty()) return;
  pending_.pop_front();
  ++lost_responses_;
}

std::vector<Exchange> Matcher::TakeExchanges() { return std::exchange(exchanges_, {}); }

}  // namespace hostlens::protocols::http1
