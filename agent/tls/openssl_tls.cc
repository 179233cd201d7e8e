#include "agent/tls/openssl_tls.h"

#include <algorithm>
#include <optional>

#include "agent/tls/x86_entry.h"

namespace hostlens::tls {
namespace {

// The wrappers are a few instructions; their first call comes well within this.
constexpr uint64_t kWrapperBytes = 128;
constexpr uint64_t kEntryBytes = 16;

struct Direction {
  const char* plain;
  const char* ex;
  const char* internal;
  bool write;
};

constexpr Direction kDirections[] = {{"SSL_read", "SSL_read_ex", "ssl_read_internal", false},
                                     {"SSL_write", "SSL_write_ex", "ssl_write_internal", true}};

std::optional<uint64_t> WrappedCall(std::string_view file, const ElfFacts& facts,
                                    const TlsFunction& wrapper, bool forwards_arguments) {
  const uint64_t size = std::min(wrapper.where.size ? wrapper.where.size : kWrapperBytes,
                                 kWrapperBytes);
  const std::string_view code = BytesAtAddress(file, facts, wrapper.where.address, size);
  if (code.empty()) return std::nullopt;
  return FindWrappedCall(code, wrapper.where.address, forwards_arguments);
}

}  // namespace

int ProbeOpensslInternals(std::string_view file, const ElfFacts& facts, TlsFile* tls) {
  if (tls->library != TlsLibrary::kOpenssl || facts.machine != kElfMachineX86_64) return 0;
  int replaced = 0;
  for (const Direction& d : kDirections) {
    auto& functions = tls->functions;
    auto plain = std::find_if(functions.begin(), functions.end(),
                              [&](const TlsFunction& f) { return f.symbol == d.plain; });
    auto ex = std::find_if(functions.begin(), functions.end(),
                           [&](const TlsFunction& f) { return f.symbol == d.ex; });
    if (plain == functions.end() || ex == functions.end()) continue;
    const auto from_plain = WrappedCall(file, facts, *plain, false);
    const auto from_ex = WrappedCall(file, facts, *ex, true);
    if (!from_plain || from_plain != from_ex) continue;
    const std::string_view code = BytesAtAddress(file, facts, *from_plain, kEntryBytes);
    if (code.empty()) continue;
    const auto entry = FindEmulatedEntry(code);
    if (!entry) continue;
    TlsFunction internal;
    internal.symbol = d.internal;
    internal.write = d.write;
    internal.ex = true;
    internal.where.address = *from_plain;
    internal.where.file_offset = static_cast<uint64_t>(code.data() - file.data()) + *entry;
    functions.erase(std::remove_if(functions.begin(), functions.end(),
                                   [&](const TlsFunction& f) {
                                     return f.symbol == d.plain || f.symbol == d.ex;
                                   }),
                    functions.end());
    functions.push_back(std::move(internal));
    ++replaced;
  }
  return replaced;
}

}  // namespace hostlens::tls
