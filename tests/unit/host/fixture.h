#pragma once

// Access to the procfs tree checked in under tests/fixtures/proc (see its README.md).

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace hostlens::host::test_util {

inline std::string FixtureRoot() { return HOSTLENS_SOURCE_DIR "/tests/fixtures/proc"; }

// Read with plain iostreams, not Procfs, so parser tests do not depend on the code under test.
inline std::string ReadFixture(std::string_view relative) {
  std::ifstream in(FixtureRoot() + "/" + std::string(relative), std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace hostlens::host::test_util
