#pragma once

#include <string>

#include "agent/config/web_config.h"

namespace hostlens::server {

// TLS for the HTTP endpoint. CivetWeb makes the SSL_CTX and hands it to its init_ssl callback;
// everything in it is set here with OpenSSL directly, so that client certificates work as in
// exporter-toolkit and CivetWeb's own certificate options are not used.

// Loads the certificate chain and key, checks they match, sets TLS 1.2 as the minimum and the
// client certificate policy. Empty on success; otherwise one line naming the file and OpenSSL's
// reason ("cert_file /etc/x.crt: cannot load: no start line").
std::string ConfigureTlsContext(void* ssl_ctx, const config::TlsServerConfig& tls);

// Empty if this process can serve TLS through CivetWeb; otherwise why not. Debian's CivetWeb
// 1.15 looks OpenSSL up at run time (dlopen "libssl.so", "libcrypto.so") by its 1.1 names, one of
// which OpenSSL 3 no longer has: see civetweb_openssl3.cc, which only the agent binary links.
std::string CheckCivetwebTls();

}  // namespace hostlens::server
