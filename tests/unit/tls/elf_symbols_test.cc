#include "agent/tls/elf_symbols.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "agent/tls/tls_library.h"
#include "files.h"

namespace hostlens::tls {
namespace {

// What binutils' readelf says a symbol's value and size are (the independent reference).
struct Reference {
  uint64_t value = 0;
  uint64_t size = 0;
};
std::map<std::string, Reference> ReadelfFunctions(const std::string& path) {
  std::map<std::string, Reference> out;
  std::string command = "readelf -W --syms --dyn-syms '" + path + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 4096> line{};
  while (fgets(line.data(), line.size(), pipe.get())) {
    std::istringstream fields(line.data());
    std::string num, value, size, type, bind, vis, ndx, name;
    if (!(fields >> num >> value >> size >> type >> bind >> vis >> ndx >> name)) continue;
    if (type != "FUNC" || ndx == "UND") continue;
    name = name.substr(0, name.find('@'));
    out.emplace(name, Reference{std::stoull(value, nullptr, 16), std::stoull(size, nullptr, 0)});
  }
  return out;
}

void ExpectAgreesWithReadelf(const std::string& path, const std::vector<std::string>& names) {
  std::string file = ReadFile(path);
  if (file.empty()) GTEST_SKIP() << path << " not installed";
  auto facts = ReadElfSymbols(file, names);
  ASSERT_TRUE(facts.has_value());
  auto reference = ReadelfFunctions(path);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    auto want = reference.find(name);
    auto got = facts->symbols.find(name);
    ASSERT_EQ(got != facts->symbols.end(), want != reference.end());
    if (want == reference.end()) continue;
    EXPECT_EQ(got->second.address, want->second.value);
    EXPECT_EQ(got->second.size, want->second.size);
    // Shared libraries and PIE executables map .text at file offset == address.
    EXPECT_EQ(file.compare(got->second.file_offset, 16, file, got->second.address, 16), 0);
  }
}

TEST(ElfSymbols, OpensslsReadAndWriteAsReadelfSeesThem) {
  ExpectAgreesWithReadelf("/usr/lib/x86_64-linux-gnu/libssl.so.3", TlsSymbolNames());
  std::string file = ReadFile("/usr/lib/x86_64-linux-gnu/libssl.so.3");
  std::string why;
  auto tls = ClassifyTlsFile(*ReadElfSymbols(file, TlsSymbolNames()), &why);
  ASSERT_TRUE(tls.has_value());
  EXPECT_EQ(tls->library, TlsLibrary::kOpenssl);
  ASSERT_EQ(tls->functions.size(), 5u);  // read, write, their _ex forms, SSL_do_handshake
  EXPECT_EQ(tls->functions[4].symbol, "SSL_do_handshake");
  EXPECT_TRUE(tls->functions[4].handshake);
}

TEST(ElfSymbols, GnutlsRecordFunctions) {
  ExpectAgreesWithReadelf("/usr/lib/x86_64-linux-gnu/libgnutls.so.30", TlsSymbolNames());
  std::string file = ReadFile("/usr/lib/x86_64-linux-gnu/libgnutls.so.30");
  std::string why;
  auto tls = ClassifyTlsFile(*ReadElfSymbols(file, TlsSymbolNames()), &why);
  ASSERT_TRUE(tls.has_value());
  EXPECT_EQ(tls->library, TlsLibrary::kGnutls);
}

TEST(ElfSymbols, FunctionsOfThisTestFromItsSymtab) {
  std::vector<std::string> names = {"main", "_start", "no_such_function_here"};
  // readelf gets the resolved path: /proc/self/exe would be readelf itself.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  ExpectAgreesWithReadelf(self, names);
  auto facts = ReadElfSymbols(ReadFile(self), names);
  EXPECT_TRUE(facts->has_symtab);
  EXPECT_FALSE(facts->has_go_buildinfo);
  std::string why;
  EXPECT_FALSE(ClassifyTlsFile(*facts, &why).has_value());
  EXPECT_EQ(why, "");
}

TEST(ElfSymbols, NotElfOrNot64BitLittleEndian) {
  EXPECT_FALSE(ReadElfSymbols("", {}).has_value());
  EXPECT_FALSE(ReadElfSymbols("#!/bin/sh\n", {}).has_value());
  std::string elf32(64, '\0');
  elf32.replace(0, 6, "\x7f" "ELF\x01\x01", 6);
  EXPECT_FALSE(ReadElfSymbols(elf32, {}).has_value());
}

// A file changing under us or cut short: every prefix of the header area and of the file at
// coarse steps parses or is refused, never reads outside it (the sanitizer build checks).
TEST(ElfSymbols, TruncatedFilesNeverReadOutside) {
  std::string file = ReadFile("/usr/lib/x86_64-linux-gnu/libssl.so.3");
  if (file.empty()) GTEST_SKIP() << "libssl.so.3 not installed";
  size_t step = file.size() / 512 + 1;
  for (size_t n = 0; n <= file.size(); n += (n < 4096 ? 1 : step)) {
    std::string prefix = file.substr(0, n);  // its own allocation: ASan sees reads past it
    auto facts = ReadElfSymbols(prefix, TlsSymbolNames());
    if (facts) {
      for (const auto& [name, sym] : facts->symbols) EXPECT_LE(sym.file_offset, n) << name;
    }
  }
}

TEST(TlsLibrary, GoBinaryWithoutSymbolsIsSaidSo) {
  ElfFacts facts;
  facts.has_go_buildinfo = true;
  std::string why;
  EXPECT_FALSE(ClassifyTlsFile(facts, &why).has_value());
  EXPECT_EQ(why, "go binary without symbols");
}

TEST(TlsLibrary, StrippedExecutableWithOpensslInsideIsSaidSo) {
  ElfFacts facts;
  facts.has_openssl_ssl_code = true;
  std::string why;
  TlsLibrary which = TlsLibrary::kGo;
  EXPECT_FALSE(ClassifyTlsFile(facts, &why, &which).has_value());
  EXPECT_EQ(why, "OpenSSL linked in without symbols");
  EXPECT_EQ(which, TlsLibrary::kOpenssl);
  // Its symbol table kept: then SSL_read would have been found, or it is not there.
  facts.has_symtab = true;
  EXPECT_FALSE(ClassifyTlsFile(facts, &why).has_value());
  EXPECT_EQ(why, "");
}

TEST(TlsLibrary, DebiansLibcryptoIsNotATlsLibraryAndLibsslIs) {
  for (const auto& [path, tls] : {std::pair<const char*, bool>{"/usr/lib/x86_64-linux-gnu/libcrypto.so.3", false},
                                  {"/usr/lib/x86_64-linux-gnu/libssl.so.3", true}}) {
    std::ifstream in(path, std::ios::binary);
    if (!in) GTEST_SKIP() << path << " not installed";
    std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto facts = ReadElfSymbols(file, TlsSymbolNames());
    ASSERT_TRUE(facts.has_value()) << path;
    std::string why;
    EXPECT_EQ(ClassifyTlsFile(*facts, &why).has_value(), tls) << path;
    EXPECT_EQ(why, "") << path;
  }
}

TEST(TlsLibrary, OneDirectionOnlyIsNotEnough) {
  ElfFacts facts;
  facts.symbols["SSL_read"] = {};
  std::string why;
  EXPECT_FALSE(ClassifyTlsFile(facts, &why).has_value());
  facts.symbols["SSL_do_handshake"] = {};  // not a direction
  EXPECT_FALSE(ClassifyTlsFile(facts, &why).has_value());
  facts.symbols.erase("SSL_do_handshake");
  facts.symbols["SSL_write_ex"] = {};
  auto tls = ClassifyTlsFile(facts, &why);
  ASSERT_TRUE(tls.has_value());
  ASSERT_EQ(tls->functions.size(), 2u);
  EXPECT_FALSE(tls->functions[0].write);
  EXPECT_TRUE(tls->functions[1].write);
  EXPECT_TRUE(tls->functions[1].ex);
}

}  // namespace
}  // namespace hostlens::tls
