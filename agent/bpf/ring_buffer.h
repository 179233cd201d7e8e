#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

#include "agent/bpf/error.h"

struct ring_buffer;

namespace hostlens::bpf {

// RAII over libbpf's ring_buffer consumer. The callback sees each record in
// the order the kernel committed it, on the thread that calls Poll().
class RingBuffer {
 public:
  using Callback = std::function<void(const void* data, size_t size)>;

  static std::variant<std::unique_ptr<RingBuffer>, LoadError> Open(int map_fd, Callback callback);
  ~RingBuffer();
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  // Records handled before the consuming thread yields the CPU: the agent drains a backlog in
  // slices, so that it never holds a core for long while the traced process waits for it.
  static constexpr int kSliceRecords = 1024;

  // Consumes what is there, waiting up to timeout_ms for the first record, in slices of
  // kSliceRecords with sched_yield() between them. Returns records consumed, or a negative errno
  // (EINTR is not an error).
  int Poll(int timeout_ms);

 private:
  explicit RingBuffer(Callback callback) : callback_(std::move(callback)) {}
  static int Trampoline(void* ctx, void* data, size_t size);
  // libbpf's consume functions return what the callback returned when it is negative, the
  // record it was handed consumed: this one ends a slice.
  static constexpr int kSliceEnd = -1000001;
  Callback callback_;
  ring_buffer* rb_ = nullptr;
  int in_slice_ = 0;
};

}  // namespace hostlens::bpf
