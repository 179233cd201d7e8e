#pragma once

// Requests ↔ responses. HTTP/1.x answers requests in the order they were sent, pipelined or
// not, so pairing is a FIFO; what this adds is bounding it and keeping it aligned when a request
// is evicted or a response is lost.

#include <cstdint>
#include <cstddef>
#include <vector>

#include "agent/protocols/http1/types.h"

namespace hostlens::protocols::http1 {

class Matcher {
 public:
  // A request head was read. Beyond kMaxOutstandingRequests the oldest waiting request is
  // dropped, and the response that answers it is skipped when it comes.
  void AddRequest(Request request);
  // The request added last ended (its body was read).
  void EndLastRequest(uint64_t last_byte_ns);

  // The request the next final response answers; nullptr when it is not known (never seen, or
  // evicted).
  const Request* Next() const;
  // A final response ended. `answers_next`: it answers the request Next() returned when its
  // head was read (and that request is still waiting); otherwise it answers an evicted request
  // or none that was seen, and is counted as unmatched.
  void AddResponse(const Response& response, bool answers_next);
  // The next final response was lost: forget the request it answers.
  void DropNext();

  std::vector<Exchange> TakeExchanges();

  size_t outstanding() const { return pending_.size(); }
  // No request waiting and no response to skip.
  bool idle() const { return pending_.empty() && responses_to_skip_ == 0; }
  uint64_t evicted_requests() const { return evicted_requests_; }
  uint64_t unmatched_responses() const { return unmatched_responses_; }
  uint64_t lost_responses() const { return lost_responses_; }

 private:
  // The waiting requests, oldest first: a vector and the index of the front instead of a
  // std::deque, whose empty state alone allocates about 600 bytes (a map and a 512-byte block):
  // every connection has a matcher, and 20,000 connections kept the agent over 64 MB.
  class Queue {
   public:
    size_t size() const { return items_.size() - head_; }
    bool empty() const { return head_ == items_.size(); }
    Request& front() { return items_[head_]; }
    const Request& front() const { return items_[head_]; }
    Request& back() { return items_.back(); }
    void push_back(Request request) { items_.push_back(std::move(request)); }
    void pop_front() {
      if (++head_ == items_.size()) {
        items_.clear();
        head_ = 0;
      } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
        items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
    }

   private:
    std::vector<Request> items_;
    size_t head_ = 0;
  };
  Queue pending_;
  uint64_t responses_to_skip_ = 0;  // answers to evicted requests still to come
  std::vector<Exchange> exchanges_;
  uint64_t evicted_requests_ = 0;
  uint64_t unmatched_responses_ = 0;
  uint64_t lost_responses_ = 0;
};

}  // namespace hostlens::protocols::http1
