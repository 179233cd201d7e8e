#include "agent/tls/openssl_tls.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "agent/tls/x86_entry.h"
#include "files.h"

namespace hostlens::tls {
namespace {

// A file of machine code mapped at 0x1000 from offset 0, with OpenSSL's four functions at the
// given offsets.
struct Code {
  std::string file;
  ElfFacts facts;
  TlsFile tls;

  Code(std::string bytes, uint64_t read, uint64_t read_ex, uint64_t write, uint64_t write_ex)
      : file(std::move(bytes)) {
    facts.machine = kElfMachineX86_64;
    facts.loads.push_back({0x1000, 0, file.size()});
    tls.library = TlsLibrary::kOpenssl;
    Add("SSL_read", read, false, false);
    Add("SSL_read_ex", read_ex, false, true);
    Add("SSL_write", write, true, false);
    Add("SSL_write_ex", write_ex, true, true);
  }
  void Add(const char* name, uint64_t offset, bool write, bool ex) {
    tls.functions.push_back({name, write, ex, false, {0x1000 + offset, 16, offset}, {}, 0});
  }
  std::vector<std::string> Symbols() const {
    std::vector<std::string> out;
    for (const auto& f : tls.functions) out.push_back(f.symbol);
    return out;
  }
};

// 0x00 read: call 0x40 · 0x10 read_ex: sub rsp 8; call 0x40 · 0x20 write: call 0x50 ·
// 0x30 write_ex: jmp 0x50 · 0x40: push r13 · 0x50: sub rsp, 0x18 (single-stepped)
std::string Layout(int internal_write_first_byte = 0x48) {
  std::string f(0x60, '\xcc');
  auto put = [&](size_t at, const std::string& b) { f.replace(at, b.size(), b); };
  put(0x00, Bytes({0xe8, 0x3b, 0x00, 0x00, 0x00}));
  put(0x10, Bytes({0x48, 0x83, 0xec, 0x08, 0xe8, 0x27, 0x00, 0x00, 0x00}));
  put(0x20, Bytes({0xe8, 0x2b, 0x00, 0x00, 0x00}));
  put(0x30, Bytes({0xe9, 0x1b, 0x00, 0x00, 0x00}));
  put(0x40, Bytes({0x41, 0x55, 0x41, 0x54}));
  put(0x50, Bytes({internal_write_first_byte, 0x83, 0xec, 0x18}));
  return f;
}

TEST(OpensslTls, ADirectionIsProbedInsideWhenItsWrappersMeetOnAnEmulatedEntry) {
  Code code(Layout(), 0x00, 0x10, 0x20, 0x30);
  EXPECT_EQ(ProbeOpensslInternals(code.file, code.facts, &code.tls), 1);
  // Reads meet at 0x40 (push r13); writes at 0x50, a sub: left on the exported functions.
  EXPECT_EQ(code.Symbols(),
            (std::vector<std::string>{"SSL_write", "SSL_write_ex", "ssl_read_internal"}));
  const TlsFunction& read = code.tls.functions.back();
  EXPECT_TRUE(read.ex);
  EXPECT_FALSE(read.write);
  EXPECT_EQ(read.where.file_offset, 0x40u);
}

TEST(OpensslTls, BothDirections) {
  Code code(Layout(0x55), 0x00, 0x10, 0x20, 0x30);  // 0x50: push rbp
  EXPECT_EQ(ProbeOpensslInternals(code.file, code.facts, &code.tls), 2);
  EXPECT_EQ(code.Symbols(), (std::vector<std::string>{"ssl_read_internal", "ssl_write_internal"}));
  EXPECT_TRUE(code.tls.functions[1].write);
  EXPECT_EQ(code.tls.functions[1].where.file_offset, 0x50u);
}

TEST(OpensslTls, WrappersThatCallDifferentFunctionsStayAsTheyAre) {
  // SSL_read_ex's call goes to 0x50 instead.
  std::string f = Layout(0x55);
  f.replace(0x10, 9, Bytes({0x48, 0x83, 0xec, 0x08, 0xe8, 0x37, 0x00, 0x00, 0x00}));
  Code code(f, 0x00, 0x10, 0x20, 0x30);
  EXPECT_EQ(ProbeOpensslInternals(code.file, code.facts, &code.tls), 1);
  EXPECT_EQ(code.Symbols(),
            (std::vector<std::string>{"SSL_read", "SSL_read_ex", "ssl_write_internal"}));
}

TEST(OpensslTls, OtherFilesAreLeftAlone) {
  Code arm(Layout(0x55), 0x00, 0x10, 0x20, 0x30);
  arm.facts.machine = kElfMachineAarch64;
  EXPECT_EQ(ProbeOpensslInternals(arm.file, arm.facts, &arm.tls), 0);
  EXPECT_EQ(arm.tls.functions.size(), 4u);
  Code gnutls(Layout(0x55), 0x00, 0x10, 0x20, 0x30);
  gnutls.tls.library = TlsLibrary::kGnutls;
  EXPECT_EQ(ProbeOpensslInternals(gnutls.file, gnutls.facts, &gnutls.tls), 0);
  // Only SSL_read and SSL_write (an old OpenSSL without the _ex forms): nothing to merge.
  Code old(Layout(0x55), 0x00, 0x10, 0x20, 0x30);
  old.tls.functions.erase(old.tls.functions.begin() + 1);
  old.tls.functions.pop_back();
  EXPECT_EQ(ProbeOpensslInternals(old.file, old.facts, &old.tls), 0);
  // A wrapper whose code lies outside the file.
  Code cut(Layout(0x55), 0x00, 0x10, 0x20, 0x30);
  cut.tls.functions[0].where.address = 0x9000;
  EXPECT_EQ(ProbeOpensslInternals(cut.file, cut.facts, &cut.tls), 1);
}

// This machine's libssl against binutils: the function both readers call is the one objdump
// shows SSL_read_ex calling, and the probe sits on an instruction the kernel emulates.
TEST(OpensslTls, ThisMachinesLibssl) {
  const std::string path = "/usr/lib/x86_64-linux-gnu/libssl.so.3";
  const std::string file = ReadFile(path);
  if (file.empty()) GTEST_SKIP() << path << " not installed";
  auto facts = ReadElfSymbols(file, TlsSymbolNames(), false);
  ASSERT_TRUE(facts.has_value());
  std::string why_not;
  auto tls = ClassifyTlsFile(*facts, &why_not);
  ASSERT_TRUE(tls.has_value());
  ASSERT_EQ(ProbeOpensslInternals(file, *facts, &*tls), 2);

  std::map<std::string, uint64_t> called;  // wrapper -> objdump's call target
  for (const char* wrapper : {"SSL_read_ex", "SSL_write_ex"}) {
    const std::string command = "objdump -d --no-show-raw-insn --disassemble=" +
                                std::string(wrapper) + " '" + path + "' 2>/dev/null";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    ASSERT_TRUE(pipe);
    std::array<char, 512> line{};
    while (fgets(line.data(), line.size(), pipe.get())) {
      std::istringstream fields(line.data());
      std::string address, mnemonic, target;
      if (!(fields >> address >> mnemonic >> target) || address.back() != ':') continue;
      if ((mnemonic == "call" || mnemonic == "jmp") && !called.count(wrapper)) {
        called[wrapper] = std::stoull(target, nullptr, 16);
      }
    }
  }
  if (called.size() != 2) GTEST_SKIP() << "objdump (binutils) not installed";
  for (const TlsFunction& f : tls->functions) {
    if (f.handshake) continue;
    EXPECT_EQ(f.where.address, called[f.write ? "SSL_write_ex" : "SSL_read_ex"]) << f.symbol;
    const auto entry = FindEmulatedEntry(std::string_view(file).substr(f.where.file_offset, 16));
    EXPECT_EQ(entry, 0u) << f.symbol;
  }
}

}  // namespace
}  // namespace hostlens::tls
