#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "agent/bpf/ring_buffer.h"

namespace hostlens::app {

// The one thread that drains the ring buffer (and so runs every parser). Its heartbeat is what
// /healthz reports: a loop that has not come back from a poll for kStallAfter is unhealthy.
class EventLoop {
 public:
  // Also the longest a data event waits in the ring buffer: data events do not wake the loop
  // (bpf/data.bpf.c) unless the ring is filling up.
  static constexpr int kPollTimeoutMs = 50;
  static constexpr auto kStallAfter = std::chrono::seconds(5);

  explicit EventLoop(bpf::RingBuffer& ring_buffer);
  ~EventLoop() { Stop(); }
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Returns once the thread has finished its current poll and exited. Idempotent.
  void Stop();
  bool Healthy() const;

 private:
  bpf::RingBuffer& ring_buffer_;
  std::atomic<int64_t> heartbeat_ms_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hostlens::app
