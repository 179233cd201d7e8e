#pragma once

// The function symbols of an ELF file (64-bit little-endian: x86_64 and arm64), from .symtab and
// .dynsym: where a TLS library's read and write functions are, in the file, for uprobes. Pure:
// bytes in (the file, usually mmapped), symbols out; never reads outside `file`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::tls {

struct ElfSymbol {
  uint64_t address = 0;      // st_value (virtual address in the file's own layout)
  uint64_t size = 0;         // bytes of code
  uint64_t file_offset = 0;  // where its first instruction is in the file (uprobe offset)
};

// A part of the file: where, and how long.
struct ElfRange {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// A PT_LOAD program header: `file_size` bytes at `offset` are mapped at `address`.
struct ElfSegment {
  uint64_t address = 0;
  uint64_t offset = 0;
  uint64_t file_size = 0;
};

inline constexpr uint16_t kElfMachineX86_64 = 62;
inline constexpr uint16_t kElfMachineAarch64 = 183;

struct ElfFacts {
  // The requested names that are defined functions, by name.
  std::map<std::string, ElfSymbol, std::less<>> symbols;
  bool has_symtab = false;      // not stripped
  bool has_go_buildinfo = false;  // a Go binary (.go.buildinfo section)
  ElfRange go_buildinfo;          // that section, inside the file
  uint16_t machine = 0;           // e_machine: kElfMachineX86_64, kElfMachineAarch64, ...
  std::vector<ElfSegment> loads;  // the PT_LOAD segments whose bytes are in the file
  // .rodata names libssl's own source files ("ssl/s3_lib.c", "ssl/statem/..." in its error
  // records): OpenSSL's TLS code is linked in, whether or not its functions can be found.
  bool has_openssl_ssl_code = false;
};

// The `size` bytes mapped at virtual address `address`, from the PT_LOAD segment holding them;
// empty when no segment holds all of them (or they are past the end of `file`).
std::string_view BytesAtAddress(std::string_view file, const ElfFacts& facts, uint64_t address,
                                uint64_t size);

// Looks up `wanted` (exact names; Go's are spelled as in its symbol table, e.g.
// "crypto/tls.(*Conn).Read"). nullopt when `file` is not a 64-bit little-endian ELF file or its
// section headers lie outside it. `scan_rodata`: look for OpenSSL's TLS code in .rodata
// (has_openssl_ssl_code), a pass over all of it (9 ms for ICU's 30 MB of data): worth it for an
// executable, where a stripped static OpenSSL hides, not for every shared library.
std::optional<ElfFacts> ReadElfSymbols(std::string_view file, const std::vector<std::string>& wanted,
                                       bool scan_rodata = true);

}  // namespace hostlens::tls
