#include "agent/tls/maps_parser.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace hostlens::tls {
namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(HOSTLENS_SOURCE_DIR "/tests/fixtures/tls/") + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MapsParser, PythonWithSslListsItsExecutableFiles) {
  auto mappings = ParseExecutableMappings(ReadFixture("python3_ssl_maps.txt"));
  ASSERT_TRUE(mappings.has_value());
  std::vector<std::string> paths;
  for (const auto& m : *mappings) paths.push_back(m.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "/usr/bin/python3.11",
                       "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
                       "/usr/lib/x86_64-linux-gnu/libssl.so.3",
                       "/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
                       "/usr/lib/x86_64-linux-gnu/libc.so.6",
                       "/usr/lib/x86_64-linux-gnu/libexpat.so.1.8.10",
                       "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
                       "/usr/lib/x86_64-linux-gnu/libm.so.6",
                       "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                   }));
  const FileMapping& ssl = (*mappings)[2];
  EXPECT_EQ(ssl.start, 0x7ff9b2ff0000u);
  EXPECT_EQ(ssl.end, 0x7ff9b304d000u);
  EXPECT_EQ(ssl.offset, 0x1f000u);
  EXPECT_EQ(ssl.dev_major, 0xfeu);
  EXPECT_EQ(ssl.dev_minor, 0u);
  EXPECT_EQ(ssl.inode, 333427u);
}

TEST(MapsParser, KeepsPathsWithSpacesAndDeletedFiles) {
  auto mappings = ParseExecutableMappings(
      "7f0000000000-7f0000001000 r-xp 00001000 08:01 42 /opt/my app/lib ssl.so (deleted)\n"
      "7f0000002000-7f0000003000 r-xp 00000000 00:00 0 \n"
      "7f0000004000-7f0000005000 r-xp 00000000 00:05 7 [vdso]\n");
  ASSERT_TRUE(mappings.has_value());
  ASSERT_EQ(mappings->size(), 1u);
  EXPECT_EQ((*mappings)[0].path, "/opt/my app/lib ssl.so (deleted)");
  EXPECT_EQ((*mappings)[0].dev_major, 8u);
  EXPECT_EQ((*mappings)[0].dev_minor, 1u);
}

TEST(MapsParser, RejectsLinesWithoutTheKernelsLayout) {
  EXPECT_FALSE(ParseExecutableMappings("garbage\n").has_value());
  EXPECT_FALSE(ParseExecutableMappings("7f00-7f01 r-xp 0 08 1 /x\n").has_value());
  EXPECT_FALSE(ParseExecutableMappings("7f00-zz r-xp 0 08:01 1 /x\n").has_value());
  EXPECT_FALSE(ParseExecutableMappings("7f00-7f01 r-x 0 08:01 1 /x\n").has_value());
  EXPECT_TRUE(ParseExecutableMappings("").has_value());
}

// A read of the file can stop anywhere: every prefix parses or is refused, never crashes, and a
// prefix cut at a line end gives the mappings of the lines before it.
TEST(MapsParser, EveryPrefix) {
  std::string text = ReadFixture("python3_ssl_maps.txt");
  auto whole = ParseExecutableMappings(text);
  ASSERT_TRUE(whole.has_value());
  for (size_t n = 0; n <= text.size(); ++n) {
    auto got = ParseExecutableMappings(std::string_view(text).substr(0, n));
    if (n == text.size() || (n > 0 && text[n - 1] == '\n')) {
      ASSERT_TRUE(got.has_value()) << n;
      EXPECT_LE(got->size(), whole->size());
    }
  }
}

}  // namespace
}  // namespace hostlens::tls

namespace hostlens::tls {
namespace {

TEST(NamedLikeTlsLibrary, LibsslAndLibgnutlsByFileNameOnly) {
  EXPECT_TRUE(NamedLikeTlsLibrary("/usr/lib/x86_64-linux-gnu/libssl.so.3"));
  EXPECT_TRUE(NamedLikeTlsLibrary("/usr/lib/x86_64-linux-gnu/libgnutls.so.30.34.3"));
  EXPECT_TRUE(
      NamedLikeTlsLibrary("/venv/lib/python3.11/site-packages/psycopg2_binary.libs/"
                          "libssl-81ffa89e.so.3 (deleted)"));
  EXPECT_FALSE(NamedLikeTlsLibrary("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"));
  EXPECT_FALSE(NamedLikeTlsLibrary("/opt/libssl/bin/server"));
  EXPECT_FALSE(NamedLikeTlsLibrary("/usr/bin/curl"));
  EXPECT_FALSE(NamedLikeTlsLibrary(""));
}

}  // namespace
}  // namespace hostlens::tls
