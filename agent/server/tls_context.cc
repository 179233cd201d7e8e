#include "agent/server/tls_context.h"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace hostlens::server {
namespace {

// OpenSSL's reason for the failure, e.g. "no start line", and clears its error queue. The first
// error queued is the cause; later ones are the callers' ("PEM lib").
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  std::string text = reason ? reason : "unknown OpenSSL error";
  ERR_clear_error();
  return text;
}

// RequireAnyClientCert: a certificate must be sent, and any will do (as Go's tls package).
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

std::string ConfigureTlsContext(void* ssl_ctx, const config::TlsServerConfig& tls) {
  SSL_CTX* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return "cannot set TLS 1.2 as the minimum: " + OpenSslReason();
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    return "cert_file " + tls.cert_file + ": cannot load: " + OpenSslReason();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return "key_file " + tls.key_file + ": cannot load: " + OpenSslReason();
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return "key_file " + tls.key_file + ": does not match cert_file " + tls.cert_file + ": " +
           OpenSslReason();
  }
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      return "client_ca_file " + tls.client_ca_file + ": cannot load: " + OpenSslReason();
    }
    // Tells clients which CAs' certificates to send.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
    if (names == nullptr) {
      return "client_ca_file " + tls.client_ca_file + ": no CA certificate in it: " +
             OpenSslReason();
    }
    SSL_CTX_set_client_CA_list(ctx, names);
  }
  switch (tls.client_auth) {
    case config::ClientAuth::kNoClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
    case config::ClientAuth::kRequireAnyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         &AcceptAnyCertificate);
      break;
    case config::ClientAuth::kVerifyClientCertIfGiven:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
    case config::ClientAuth::kRequireAndVerifyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  return {};
}

std::string CheckCivetwebTls() {
  // The names CivetWeb opens. The agent binary answers to "libssl.so" itself (its SONAME), so
  // that CivetWeb's lookups go through it and find the missing function; "libcrypto.so" is the
  // development symlink of libssl-dev.
  void* ssl = dlopen("libssl.so", RTLD_LAZY | RTLD_NOLOAD);
  const bool patched = ssl != nullptr && dlsym(ssl, "SSL_get_peer_certificate") != nullptr;
  if (ssl != nullptr) dlclose(ssl);
  if (!patched) {
    return "TLS needs the hostlens binary (CivetWeb 1.15 calls SSL_get_peer_certificate, which "
           "OpenSSL 3 lacks; see agent/server/civetweb_openssl3.cc)";
  }
  void* crypto = dlopen("libcrypto.so", RTLD_LAZY);
  if (crypto == nullptr) {
    return "TLS needs libcrypto.so, which CivetWeb loads by that name (install libssl-dev)";
  }
  dlclose(crypto);
  return {};
}

}  // namespace hostlens::server
