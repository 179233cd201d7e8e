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
  if (n == -EINTR) n = 0;
  if (n < 0) return n;
  // Records committed without a wakeup (data events: BPF_RB_NO_WAKEUP) raise no epoll event:
  // drain them too, every time the wait ends.
  const int more = ring_buffer__consume(rb_);
  return more < 0 ? more : n + more;
}

}  // namespace hostlens::bpf
