#include "agent/bpf/ring_buffer.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "agent/bpf/preflight.h"

namespace hostlens::bpf {

std::variant<std::unique_ptr<RingBuffer>, LoadError> RingBuffer::Open(int map_fd,
                                                                      Callback callback) {
  std::unique_ptr<RingBuffer> rb(new RingBuffer(std::move(callback)));
  rb->rb_ = ring_buffer__new(map_fd, &RingBuffer::Trampoline, rb.get(), nullptr);
  if (!rb->rb_) return DescribeBpfFailure("open ring buffer events", -errno);
  return rb;
}

RingBuffer::~RingBuffer() { ring_buffer__free(rb_); }

int RingBuffer::Trampoline(void* ctx, void* data, size_t size) {
  static_cast<RingBuffer*>(ctx)->callback_(data, size);
  return 0;
}

int RingBuffer::Poll(int timeout_ms) {
  int n = ring_buffer__poll(rb_, timeout_ms);
  return n == -EINTR ? 0 : n;
}

}  // namespace hostlens::bpf
