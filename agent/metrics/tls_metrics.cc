#include "agent/metrics/tls_metrics.h"

namespace hostlens::metrics {

TlsMetrics::TlsMetrics(prometheus::Registry& registry)
    : uncovered_(prometheus::BuildCounter()
                     .Name("hostlens_tls_uncovered_connections_total")
                     .Help("Connections that carried TLS records but whose plaintext the agent "
                           "did not see, by why (no_tls_library, no_symbols, "
                           "unsupported_library, attach_failed, plaintext_not_seen).")
                     .Register(registry),
                 {"service_name", "reason"}) {}

void TlsMetrics::CountUncovered(const std::string& service, std::string_view reason) {
  uncovered_.Get({service, reason}).Increment();
}

}  // namespace hostlens::metrics
