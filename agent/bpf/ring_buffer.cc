#include "agent/bpf/ring_buffer.h"

#include <bpf/libbpf.h>

#include <sched.h>

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
  auto* self = static_cast<RingBuffer*>(ctx);
  self->callback_(data, size);
  return ++self->in_slice_ >= kSliceRecords ? kSliceEnd : 0;
}

int RingBuffer::Poll(int timeout_ms) {
  in_slice_ = 0;
  int n = ring_buffer__poll(rb_, timeout_ms);
  if (n == -EINTR) n = 0;
  int total = 0;
  if (n == kSliceEnd) {
    total = in_slice_;
    sched_yield();
  } else if (n < 0) {
    return n;
  } else {
    total = n;
  }
  // Records committed without a wakeup (data events: BPF_RB_NO_WAKEUP) raise no epoll event:
  // drain them too, every time the wait ends.
  while (true) {
    in_slice_ = 0;
    const int more = ring_buffer__consume(rb_);
    if (more == kSliceEnd) {
      total += in_slice_;
      sched_yield();
      continue;
    }
    if (more < 0) return more;
    return total + more;
  }
}

}  // namespace hostlens::bpf
