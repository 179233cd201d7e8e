// Linked into the hostlens binary only (agent/CMakeLists.txt), with two linker options:
//
// Debian's CivetWeb 1.15 is built for OpenSSL 1.1 and loads it at run time: dlopen("libssl.so"),
// then dlsym of each function by name. OpenSSL 3 dropped SSL_get_peer_certificate (now a macro
// for SSL_get1_peer_certificate), so CivetWeb's pointer to it is null and every TLS connection
// crashes the worker that accepts it (civetweb/civetweb#1334).
//
// The binary is given the SONAME "libssl.so" (-Wl,-soname): the dynamic loader matches dlopen
// names against the SONAMEs of what is already loaded, so CivetWeb's dlopen("libssl.so") returns
// the binary itself, and its dlsym lookups search the binary and then its dependencies (the real
// libssl.so.3) in order. The binary exports the one missing function (-Wl,--export-dynamic-symbol)
// with the meaning it had in OpenSSL 1.1. server::CheckCivetwebTls() checks this worked.
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

extern "C" X509* SSL_get_peer_certificate(const SSL* ssl) {
  // 1.1's function returned a reference the caller frees, as CivetWeb does: get1, not get0.
  return SSL_get1_peer_certificate(ssl);
}
