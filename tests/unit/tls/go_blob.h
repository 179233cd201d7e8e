#pragma once
// Go's build-info blobs, as the Go linker writes them, for the tests of agent/tls/.

#include <cstdint>
#include <string>

namespace hostlens::tls {

inline const std::string kGoBuildInfoMagic("\xff Go buildinf:", 14);

// Go 1.18+'s blob: magic, pointer size 8, flags 2 (strings inline), padding to 32, then the
// version and the module information as varint-prefixed strings.
inline std::string InlineGoBuildInfo(const std::string& version) {
  std::string blob = kGoBuildInfoMagic + std::string("\x08\x02", 2) + std::string(16, '\0');
  std::string length;
  for (uint64_t n = version.size();; n >>= 7) {
    length += static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    if (n < 0x80) break;
  }
  return blob + length + version + "\x05mod\tx";
}

}  // namespace hostlens::tls
