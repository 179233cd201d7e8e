#pragma once

// /proc/PID/maps → the file-backed executable mappings of a process: where its code comes from
// (the executable itself, shared libraries, dlopen'ed modules). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::tls {

struct FileMapping {
  uint64_t start = 0;  // address range, as map_files/ names it
  uint64_t end = 0;
  uint64_t offset = 0;  // file offset of `start`
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  uint64_t inode = 0;
  std::string path;  // as the process sees it (inside its mount namespace); may end " (deleted)"
};

// Executable ("r-xp"/"r-xs") mappings with an inode, in file order; anonymous, [vdso]-like and
// non-executable lines are skipped. nullopt if a line does not have the kernel's layout.
std::optional<std::vector<FileMapping>> ParseExecutableMappings(std::string_view text);

// Whether the file name of `path` looks like a TLS library's (libssl, libgnutls, a wheel's
// vendored libssl-<hash>): a hint for the order of work, never for what a file is.
bool NamedLikeTlsLibrary(std::string_view path);

}  // namespace hostlens::tls
