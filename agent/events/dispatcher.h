#pragma once

#include <cstddef>

#include "agent/metrics/self_metrics.h"
#include "agent/targets/process_table.h"

namespace hostlens::events {

// Decodes one ring-buffer record and hands it to the stage that owns it.
// Records that are too short for their kind, or of an unknown kind, are
// counted as parse losses, never read past their end.
class Dispatcher {
 public:
  Dispatcher(targets::ProcessTable& processes, metrics::EventCounters& counters)
      : processes_(processes), counters_(counters) {}

  void Handle(const void* data, size_t size);

 private:
  targets::ProcessTable& processes_;
  metrics::EventCounters& counters_;
};

}  // namespace hostlens::events
