#pragma once
// Whole files as bytes, for the tests that read real ELF files of this machine, and machine
// code written out byte by byte.

#include <fstream>
#include <initializer_list>
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

// `bytes` as a string: Bytes({0x48, 0x83, 0xec, 0x08}).
inline std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

}  // namespace hostlens::tls
