#pragma once

// The Go release an executable was built with, from its .go.buildinfo section (the blob
// runtime/debug.ReadBuildInfo and `go version FILE` read; format: Go's debug/buildinfo). Pure:
// bytes in, version out; never reads outside what it is given.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hostlens::tls {

// The file's bytes at a virtual address (Go 1.17 and older point to the version string from
// the section instead of holding it); an empty or shorter view when they are not in the file.
using ReadAtAddress = std::function<std::string_view(uint64_t address, uint64_t size)>;

// The version string ("go1.19.8", "devel go1.22-abc ..."), or nullopt when `section` is not a
// build-info blob this parser knows: 14-byte magic "\xff Go buildinf:", pointer size, flags;
// flags & 2 (Go 1.18+): a varint-length-prefixed version string at offset 32; else (little
// endian, 8-byte pointers only) the address of a Go string header {data, len} at offset 16.
std::optional<std::string> ParseGoBuildInfo(std::string_view section, const ReadAtAddress& read);

struct GoRelease {
  int major = 0;
  int minor = 0;
};

// "go1.19.8" → {1, 19}; "go1.21rc2" → {1, 21}; "devel go1.22-abc" → {1, 22}. nullopt when the
// string names no release.
std::optional<GoRelease> ParseGoRelease(std::string_view version);

// Go 1.17 moved amd64 function arguments and results into registers (ABIInternal); the probes
// read them there.
inline bool HasRegisterAbi(const GoRelease& r) { return r.major > 1 || (r.major == 1 && r.minor >= 17); }

}  // namespace hostlens::tls
