#include "agent/metrics/tls_metrics.h"

namespace hostlens::metrics {

TlsMetrics::TlsMetrics(prometheus::Registry& registry)
    : uncovered_(prometheus::BuildCounter()
                     .Name("hostlens_tls_uncovered_connections_total")
                     .Help("Connections that carried TLS records but whose plaintext the agent "
                           "did not see, by why (no_tls_library, no_symbols, "
                           "unsupported_library, unsupported_go_version, unsupported_arch, "
                           "attach_failed, not_scanned).")
                     .Register(registry),
                 {"service_name", "reason"}),
      without_plaintext_(
          prometheus::BuildCounter()
              .Name("hostlens_tls_connections_without_plaintext_total")
              .Help("TLS connections of processes whose TLS library is probed that ended "
                    "without any plaintext: a handshake alone, or calls the probes do not cover "
                    "(kernel TLS, SSL_peek).")
              .Register(registry),
          {"service_name"}) {}

void TlsMetrics::CountUncovered(const std::string& service, std::string_view reason) {
  uncovered_.Get({service, reason}).Increment();
}

void TlsMetrics::CountWithoutPlaintext(const std::string& service) {
  without_plaintext_.Get({service}).Increment();
}

}  // namespace hostlens::metrics
