#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "agent/metrics/labelled.h"

namespace hostlens::metrics {

// hostlens_tls_uncovered_connections_total{service_name, reason}: connections that carried TLS
// records whose plaintext the agent did not see. `reason` is one of a few fixed words
// (tls/tls_registry.h UncoveredReason), so the family stays small; and
// hostlens_tls_connections_without_plaintext_total{service_name}. Event loop only.
class TlsMetrics {
 public:
  explicit TlsMetrics(prometheus::Registry& registry);
  void CountUncovered(const std::string& service, std::string_view reason);
  // A TLS connection of a process whose TLS library is probed that showed no plaintext: a
  // handshake alone (a client that connected and left, a failed handshake), or calls the probes
  // do not cover (kernel TLS, SSL_peek). Not counted as uncovered.
  void CountWithoutPlaintext(const std::string& service);

 private:
  Labelled<prometheus::Counter> uncovered_;
  Labelled<prometheus::Counter> without_plaintext_;
};

}  // namespace hostlens::metrics
