#pragma once

#include <cstddef>

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

 private:
  // Data events are variable-length: the fixed part, then head and tail.
  bool HandleData(const void* data, size_t size);

  targets::ProcessTable& processes_;
  conn::ConnectionTable& connections_;
  metrics::EventCounters& counters_;
};

}  // namespace hostlens::events
