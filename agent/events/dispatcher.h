#pragma once

#include <cstddef>
#include <functional>

#include "agent/conn/connection_table.h"
#include "agent/metrics/self_metrics.h"
#include "agent/targets/process_table.h"

namespace hostlens::events {

// Decodes one ring-buffer record and hands it to the stage that owns it.
// Records that are too short for their kind, or of an unknown kind, are
// counted as parse losses, never read past their end.
class Dispatcher {
 public:
  Dispatcher(targets::ProcessTable& processes, conn::ConnectionTable& connections,
             metrics::EventCounters& counters)
      : processes_(processes), connections_(connections), counters_(counters) {}

  void Handle(const void* data, size_t size);

  // Told the pid of each tracked process that exec'd or mapped a file executable (on the
  // event loop's thread: it must return at once). Set before the first Handle().
  void SetCodeChangedListener(std::function<void(uint32_t tgid)> listener) {
    code_changed_ = std::move(listener);
  }

 private:
  // Data events are variable-length: the fixed part, then head and tail.
  bool HandleData(const void* data, size_t size);

  targets::ProcessTable& processes_;
  conn::ConnectionTable& connections_;
  metrics::EventCounters& counters_;
  std::function<void(uint32_t)> code_changed_;
};

}  // namespace hostlens::events
