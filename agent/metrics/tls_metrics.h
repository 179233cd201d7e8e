#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "agent/metrics/labelled.h"

namespace hostlens::metrics {

// hostlens_tls_uncovered_connections_total{service_name, reason}: connections that carried TLS
// records whose plaintext the agent did not see. `reason` is one of a few fixed words
// (tls/tls_registry.h UncoveredReason), so the family stays small. Event loop only.
class TlsMetrics {
 public:
  explicit TlsMetrics(prometheus::Registry& registry);
  void CountUncovered(const std::string& service, std::string_view reason);

 private:
  Labelled<prometheus::Counter> uncovered_;
};

}  // namespace hostlens::metrics
