#pragma once
// Whole files as bytes, for the tests that read real ELF files of this machine.

#include <fstream>
#include <sstream>
#include <string>

namespace hostlens::tls {

// The file's bytes; empty when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace hostlens::tls
