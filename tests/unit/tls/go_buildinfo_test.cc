#include "agent/tls/go_buildinfo.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

#include "agent/tls/elf_symbols.h"
#include "files.h"
#include "go_blob.h"

namespace hostlens::tls {
namespace {

std::string Le64(uint64_t v) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &v, 8);
  return out;
}

// Go 1.17's blob: flags 0, the address of runtime.buildVersion's string header at 16; the
// header {data, len} and the bytes live elsewhere in the file (`memory`, by address).
struct PointerBlob {
  std::string section;
  std::map<uint64_t, std::string> memory;
  ReadAtAddress Reader() const {
    return [this](uint64_t address, uint64_t size) -> std::string_view {
      for (const auto& [at, bytes] : memory) {
        if (address >= at && address - at <= bytes.size() && bytes.size() - (address - at) >= size) {
          return std::string_view(bytes).substr(address - at, size);
        }
      }
      return {};
    };
  }
};
PointerBlob Go117(const std::string& version) {
  PointerBlob b;
  b.section = kGoBuildInfoMagic + std::string("\x08\x00", 2) + Le64(0x5000) + Le64(0x5010);
  b.memory[0x5000] = Le64(0x6000) + Le64(version.size());
  b.memory[0x6000] = version;
  return b;
}

TEST(GoBuildInfo, InlineVersionOfGo118AndLater) {
  EXPECT_EQ(ParseGoBuildInfo(InlineGoBuildInfo("go1.19.8"), nullptr), "go1.19.8");
  EXPECT_EQ(ParseGoBuildInfo(InlineGoBuildInfo("devel go1.22-abc Tue Jan 2"), nullptr),
            "devel go1.22-abc Tue Jan 2");
}

TEST(GoBuildInfo, PointerToTheVersionInGo117AndOlder) {
  const PointerBlob go117 = Go117("go1.17.13");
  EXPECT_EQ(ParseGoBuildInfo(go117.section, go117.Reader()), "go1.17.13");
  const PointerBlob go116 = Go117("go1.16.15");
  EXPECT_EQ(ParseGoBuildInfo(go116.section, go116.Reader()), "go1.16.15");
  // The pointers lead outside the file, or there is nothing to follow them with.
  PointerBlob dangling = go117;
  dangling.memory.erase(0x6000);
  EXPECT_EQ(ParseGoBuildInfo(dangling.section, dangling.Reader()), std::nullopt);
  EXPECT_EQ(ParseGoBuildInfo(go117.section, nullptr), std::nullopt);
  // Big-endian or 4-byte pointers: not what an amd64 binary has.
  PointerBlob big_endian = go117;
  big_endian.section[15] = 1;
  EXPECT_EQ(ParseGoBuildInfo(big_endian.section, big_endian.Reader()), std::nullopt);
  PointerBlob narrow = go117;
  narrow.section[14] = 4;
  EXPECT_EQ(ParseGoBuildInfo(narrow.section, narrow.Reader()), std::nullopt);
}

TEST(GoBuildInfo, NotABlob) {
  EXPECT_EQ(ParseGoBuildInfo("", nullptr), std::nullopt);
  std::string wrong_magic = InlineGoBuildInfo("go1.19.8");
  wrong_magic[1] = 'g';
  EXPECT_EQ(ParseGoBuildInfo(wrong_magic, nullptr), std::nullopt);
  // A length past the end, a zero length, a varint that never ends.
  std::string blob = InlineGoBuildInfo("go1.19.8");
  std::string longer = blob;
  longer[32] = 100;
  EXPECT_EQ(ParseGoBuildInfo(longer, nullptr), std::nullopt);
  std::string empty = blob;
  empty[32] = 0;
  EXPECT_EQ(ParseGoBuildInfo(empty, nullptr), std::nullopt);
  std::string endless = blob.substr(0, 32) + std::string(12, '\xff');
  EXPECT_EQ(ParseGoBuildInfo(endless, nullptr), std::nullopt);
}

// Every prefix of both forms parses to the whole version or to nothing, never to part of it,
// and never reads outside (the sanitizer build checks).
TEST(GoBuildInfo, EveryPrefixIsWholeOrNothing) {
  const std::string blob = InlineGoBuildInfo("go1.19.8");
  const size_t complete = 32 + 1 + 8;
  for (size_t n = 0; n <= blob.size(); ++n) {
    const std::string prefix = blob.substr(0, n);  // its own allocation: ASan sees overreads
    const auto version = ParseGoBuildInfo(prefix, nullptr);
    if (n < complete) {
      EXPECT_EQ(version, std::nullopt) << n;
    } else {
      EXPECT_EQ(version, "go1.19.8") << n;
    }
  }
  const PointerBlob go117 = Go117("go1.17.13");
  for (size_t n = 0; n <= 32; ++n) {
    const std::string prefix = go117.section.substr(0, n);
    const auto version = ParseGoBuildInfo(prefix, go117.Reader());
    EXPECT_EQ(version, n < 32 ? std::nullopt : std::optional<std::string>("go1.17.13")) << n;
  }
  PointerBlob cut = go117;
  for (size_t n = 0; n < 9; ++n) {
    cut.memory[0x6000] = std::string("go1.17.13").substr(0, n);
    EXPECT_EQ(ParseGoBuildInfo(cut.section, cut.Reader()), std::nullopt) << n;
  }
}

TEST(GoRelease, FromTheVersionString) {
  auto release = [](std::string_view v) {
    auto r = ParseGoRelease(v);
    return r ? std::to_string(r->major) + "." + std::to_string(r->minor) : std::string("none");
  };
  EXPECT_EQ(release("go1.19.8"), "1.19");
  EXPECT_EQ(release("go1.17"), "1.17");
  EXPECT_EQ(release("go1.21rc2"), "1.21");
  EXPECT_EQ(release("devel go1.22-abc Tue Jan 2"), "1.22");
  EXPECT_EQ(release("go1"), "none");
  EXPECT_EQ(release("go1."), "none");
  EXPECT_EQ(release("gox.y"), "none");
  EXPECT_EQ(release(""), "none");
  EXPECT_TRUE(HasRegisterAbi({1, 17}));
  EXPECT_TRUE(HasRegisterAbi({1, 23}));
  EXPECT_FALSE(HasRegisterAbi({1, 16}));
}

// Debian's own go command (stripped, but its build info is there): the version it reports.
TEST(GoBuildInfo, DebiansGoCommand) {
  const std::string path = "/usr/lib/go-1.19/bin/go";
  const std::string file = ReadFile(path);
  if (file.empty()) GTEST_SKIP() << path << " not installed (scripts/install-deps.sh)";
  auto facts = ReadElfSymbols(file, {});
  ASSERT_TRUE(facts.has_value());
  ASSERT_TRUE(facts->has_go_buildinfo);
  EXPECT_EQ(facts->machine, kElfMachineX86_64);
  const auto version = ParseGoBuildInfo(
      std::string_view(file).substr(facts->go_buildinfo.offset, facts->go_buildinfo.size),
      [&](uint64_t address, uint64_t size) { return BytesAtAddress(file, *facts, address, size); });
  ASSERT_TRUE(version.has_value());
  EXPECT_TRUE(version->starts_with("go1.19")) << *version;
}

}  // namespace
}  // namespace hostlens::tls
