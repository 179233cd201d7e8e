#include "agent/app/event_loop.h"

#include <spdlog/spdlog.h>

#include <cstring>

namespace hostlens::app {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

EventLoop::EventLoop(bpf::RingBuffer& ring_buffer)
    : ring_buffer_(ring_buffer), heartbeat_ms_(NowMs()) {
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      int n = ring_buffer_.Poll(kPollTimeoutMs);
      if (n < 0) spdlog::warn("ring buffer poll failed: {}", std::strerror(-n));
      heartbeat_ms_.store(NowMs());
    }
  });
}

void EventLoop::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

bool EventLoop::Healthy() const {
  return NowMs() - heartbeat_ms_.load() <
         std::chrono::duration_cast<std::chrono::milliseconds>(kStallAfter).count();
}

}  // namespace hostlens::app
