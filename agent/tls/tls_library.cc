#include "agent/tls/tls_library.h"

namespace hostlens::tls {
namespace {

struct Spec {
  const char* symbol;
  bool write;
  bool ex;
  bool handshake = false;
};

constexpr Spec kOpenssl[] = {{"SSL_read", false, false},
                             {"SSL_write", true, false},
                             {"SSL_read_ex", false, true},
                             {"SSL_write_ex", true, true},
                             {"SSL_do_handshake", false, false, true}};
constexpr Spec kGnutls[] = {{"gnutls_record_recv", false, false},
                            {"gnutls_record_send", true, false},
                            {"gnutls_handshake", false, false, true}};
constexpr Spec kGo[] = {{"crypto/tls.(*Conn).Read", false, false},
                        {"crypto/tls.(*Conn).Write", true, false}};

template <size_t N>
std::vector<TlsFunction> Present(const ElfFacts& facts, const Spec (&specs)[N]) {
  std::vector<TlsFunction> functions;
  for (const Spec& spec : specs) {
    auto found = facts.symbols.find(spec.symbol);
    if (found == facts.symbols.end()) continue;
    functions.push_back({spec.symbol, spec.write, spec.ex, spec.handshake, found->second, {}, 0});
  }
  return functions;
}

// Both directions, or nothing: half a conversation would be parsed as garbage.
bool BothDirections(const std::vector<TlsFunction>& functions) {
  bool read = false, write = false;
  for (const auto& f : functions) {
    if (!f.handshake) (f.write ? write : read) = true;
  }
  return read && write;
}

}  // namespace

std::string_view TlsLibraryName(TlsLibrary library) {
  switch (library) {
    case TlsLibrary::kOpenssl:
      return "openssl";
    case TlsLibrary::kGnutls:
      return "gnutls";
    case TlsLibrary::kGo:
      return "go";
  }
  return "unknown";
}

const std::vector<std::string>& TlsSymbolNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const Spec& s : kOpenssl) all.push_back(s.symbol);
    for (const Spec& s : kGnutls) all.push_back(s.symbol);
    for (const Spec& s : kGo) all.push_back(s.symbol);
    return all;
  }();
  return names;
}

std::optional<TlsFile> ClassifyTlsFile(const ElfFacts& facts, std::string* why_not,
                                       TlsLibrary* which) {
  why_not->clear();
  if (auto f = Present(facts, kOpenssl); BothDirections(f)) return TlsFile{TlsLibrary::kOpenssl, f};
  if (auto f = Present(facts, kGnutls); BothDirections(f)) return TlsFile{TlsLibrary::kGnutls, f};
  if (auto f = Present(facts, kGo); BothDirections(f)) return TlsFile{TlsLibrary::kGo, f};
  TlsLibrary library = TlsLibrary::kOpenssl;
  if (facts.has_go_buildinfo && !facts.has_symtab) {
    *why_not = "go binary without symbols";
    library = TlsLibrary::kGo;
  } else if (facts.has_openssl_ssl_code && !facts.has_symtab) {
    *why_not = "OpenSSL linked in without symbols";
  }
  if (which && !why_not->empty()) *which = library;
  return std::nullopt;
}

}  // namespace hostlens::tls
